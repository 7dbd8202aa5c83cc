import htm from 'htm';
import { h } from 'preact';

/** Preact's h through htm's tagged templates: markup without a JSX compile step. */
export const html = htm.bind(h);
