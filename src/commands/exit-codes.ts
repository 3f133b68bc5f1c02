/** Exit codes: 0 yes, 1 no, 2 bad input or a service out of reach, 3 doms itself failed, 99 thresholds (load), 130 cut short. */
export const EXIT_UNREACHABLE = 2;
export const EXIT_FAILED = 3;
