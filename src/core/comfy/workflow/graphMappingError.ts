import { brandClass } from '../brand';

/** A spec that cannot be put onto a graph: says which node (or which missing node) and how to fix it.
 * `field` is the spec field path (as in Spec.fieldRanges) so the problem can be shown on that line. */
export class GraphMappingError extends Error {
  readonly field: string;
  /** The node id concerned; '' when the problem is that no suitable node exists. */
  readonly node: string;
  /** Other spec fields the problem is also about (the other side of a clash), shown on their lines too. */
  readonly related: readonly string[];

  constructor(field: string, node: string, message: string, related: readonly string[] = []) {
    super(message);
    this.name = 'GraphMappingError';
    this.field = field;
    this.node = node;
    this.related = related;
  }
}

/** A GraphMappingError, whichever bundle's copy of this module made it. */
export const isGraphMappingError: (e: unknown) => e is GraphMappingError = brandClass(GraphMappingError, 'GraphMappingError');
