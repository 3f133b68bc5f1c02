/**
 * How text gets into the report's page safely: every value is escaped for where it lands (HTML
 * text, a JSON block inside <script>, an inlined library inside <script> or <style>).
 */

/** JSON that cannot end its <script> block: `<` (so `</script>` and `<!--`) and the JS line separators escaped. */
export function jsonForScript(value: unknown): string {
  return JSON.stringify(value)
    .replace(/</g, '\\u003c')
    .replace(/>/g, '\\u003e')
    .replace(/&/g, '\\u0026')
    .replace(/\u2028/g, '\\u2028')
    .replace(/\u2029/g, '\\u2029');
}

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (ch) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[ch]!);
}

/** Library code inlined in <script>: a `</script` in it (in a string, say) would end the block. */
export const inertInScript = (js: string) => js.replace(/<\/(script)/gi, '<\\/$1');
export const inertInStyle = (css: string) => css.replace(/<\/(style)/gi, '<\\/$1');
