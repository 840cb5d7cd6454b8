// Messages between the input graph panel (extension host) and its webview.
import type { GraphModel } from '../model';

export type ToWebview = {
  type: 'graph';
  flakeUri: string;
  model: GraphModel;
};

export type FromWebview =
  | { type: 'ready' }
  | { type: 'open'; node: string }
  | { type: 'export'; format: 'svg' | 'dot'; text: string }
  /** Over the drawing budget: the user asked for the Flake Inputs view instead. */
  | { type: 'showTree' };
