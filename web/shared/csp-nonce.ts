/**
 * Gives every `<style>` element this page creates the nonce the server put
 * in `<meta property="csp-nonce">` (src/api/web.ts), so that the policy
 * `style-src 'self' 'nonce-…'` accepts it. Monaco, GraphiQL's editor, writes
 * its theme and layout rules into such elements at run time; without the
 * nonce the browser refuses them and the editor loses its colours and layout.
 *
 * Import this module first: it must run before any library creates a style.
 */
const nonce = document.querySelector<HTMLMetaElement>('meta[property="csp-nonce"]')?.nonce;

if (nonce) {
  const createElement = Document.prototype.createElement;
  // Only the element type changes hands; every other call is untouched.
  Document.prototype.createElement = function (
    this: Document,
    tagName: string,
    options?: ElementCreationOptions,
  ): HTMLElement {
    const element = createElement.call(this, tagName, options);
    if (element instanceof HTMLStyleElement) element.nonce = nonce;
    return element;
  } as typeof Document.prototype.createElement;
}

export {};
