import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { SERVICE_NAMES } from '../services/types.ts';
import { summarizeProfile, type CpuProfile, type ProfileSummary } from './cpu-profile.ts';

/** Each worker's profile (one .cpuprofile per process, written when it exited), summarised. */
export async function readProfiles(dir: string, root: string): Promise<Record<string, ProfileSummary>> {
  const out: Record<string, ProfileSummary> = {};
  for (const service of SERVICE_NAMES) {
    const files = (await readdir(join(dir, service)).catch(() => [] as string[])).filter((f) => f.endsWith('.cpuprofile'));
    if (files.length === 0) continue;
    const profile = JSON.parse(await readFile(join(dir, service, files[0]!), 'utf8')) as CpuProfile;
    out[service] = summarizeProfile(profile, { top: 12, root: `file://${root}` });
  }
  return out;
}
