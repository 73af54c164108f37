/**
 * Server-rendered HTML for the dashboard. Every page is built with {@link h}, Hono's escaping `html`
 * template with one addition: text that could disguise itself (bidi overrides, invisible controls) is
 * shown as a visible marker such as `⟦U+202E⟧`. Nothing from the database reaches a page any other way.
 */
import { html, raw } from 'hono/html';
import type { HtmlEscapedString } from 'hono/utils/html';

export type Html = HtmlEscapedString;

// Bidi embeddings/overrides/isolates and marks, and C0/C1 controls except tab and newline.
const DISGUISING = /[\u202A-\u202E\u2066-\u2069\u200E\u200F\u061C\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F]/g;

/** The text with every disguising character replaced by a visible code-point marker. */
export function visible(text: string): string {
  return text.replace(DISGUISING, (char) => `⟦U+${char.codePointAt(0)?.toString(16).toUpperCase().padStart(4, '0')}⟧`);
}

/**
 * Escaping template: strings are made {@link visible} and HTML-escaped; nested `h` results and
 * arrays of them are inserted as they are.
 * @example h`<p>${note}</p>`
 */
export function h(strings: TemplateStringsArray, ...values: unknown[]): Html {
  const cleaned = values.map((value) => (typeof value === 'string' ? visible(value) : value));
  // Values are never promises here, so Hono's template answers synchronously.
  return html(strings, ...cleaned) as Html;
}

/** A URL path with each segment encoded. */
export function path(...segments: string[]): string {
  return `/${segments.map(encodeURIComponent).join('/')}`;
}

export interface LayoutOptions {
  title: string;
  /** The session's CSRF token, for the logout form; absent on the login page. */
  csrf?: string;
  /** Scripts to load from /assets (charts only). */
  scripts?: string[];
  active?: 'overview' | 'reports' | 'rules';
}

/** The page frame: head, navigation with a logout button, and the content. */
export function layout(options: LayoutOptions, body: Html): Html {
  const nav = options.csrf
    ? h`<nav>
        <a href="/" class="brand">Heed</a>
        <a href="/"${options.active === 'overview' ? raw(' aria-current="page"') : ''}>Overview</a>
        <a href="/reports"${options.active === 'reports' ? raw(' aria-current="page"') : ''}>Reports</a>
        <a href="/rules"${options.active === 'rules' ? raw(' aria-current="page"') : ''}>Rules</a>
        <form method="post" action="/logout" class="logout">${csrfField(options.csrf)}
          <button type="submit">Log out</button></form>
      </nav>`
    : h``;
  const scripts = (options.scripts ?? []).map((src) => h`<script src="${src}" defer></script>`);
  return h`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>${options.title} · Heed</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="/assets/style.css">
${scripts}
</head>
<body>
${nav}
<main>
${body}
</main>
</body>
</html>`;
}

/** The hidden field every state-changing form carries. */
export function csrfField(token: string): Html {
  return h`<input type="hidden" name="_csrf" value="${token}">`;
}

/** A message box: `error` for what went wrong and what to do, `info` for results. */
export function notice(kind: 'error' | 'info', text: string): Html {
  return h`<p class="notice ${kind}" role="${kind === 'error' ? 'alert' : 'status'}">${text}</p>`;
}

/** Preformatted user text (prompts, replies, notes), escaped and with disguises shown. */
export function pre(text: string, className = 'text'): Html {
  return h`<pre class="${className}">${text}</pre>`;
}

/** `2026-11-30T11:02:03.004Z` as `2026-11-30 11:02` (UTC), full value in a title. */
export function when(iso: string): Html {
  return h`<time datetime="${iso}" title="${iso}">${iso.slice(0, 16).replace('T', ' ')}</time>`;
}

/** A short single line of user text. */
export function excerpt(text: string, max = 120): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > max ? `${flat.slice(0, max - 1)}…` : flat;
}
