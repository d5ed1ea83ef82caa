import { createElement, Fragment, type ComponentChild, type ComponentType } from 'preact';

// The automatic JSX runtime for the browser build (vite.config.ts aliases
// preact/jsx-runtime here): every element goes through createElement, which the
// bundle carries anyway because render() uses it, instead of a second vnode
// factory. Same vnodes, ~0.1 kB less gzip in the iframe. The compiler passes a
// fresh props object per element, so adding the key to it is safe.
export { Fragment };

export function jsx(type: string | ComponentType<any>, props: Record<string, unknown>, key?: unknown): ComponentChild {
  if (key !== undefined) props.key = key;
  return createElement(type, props);
}

export { jsx as jsxs, jsx as jsxDEV };
