/** Rendering of handwriting to SVG (no tfjs). */
export { renderSvg, offsetsToSvg, tracePathData, speedWidths, hersheyTextPath, type RenderLine, type SvgOptions } from './svg.js';
