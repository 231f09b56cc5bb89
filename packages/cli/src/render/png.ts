/**
 * SVG → PNG through a real rasteriser (`@resvg/resvg-js`, Rust resvg). Used by `seqgen hand data show` and the
 * figures of the model commands.
 */
import { Resvg } from '@resvg/resvg-js';

/** Options of {@link svgToPng}. */
export interface PngOptions {
  /** Output width in px; the height follows the SVG's aspect ratio. Default: the SVG's own width. */
  width?: number;
  /** Load system fonts for SVG `<text>` (labels drawn with a Hershey font need none). Default true. */
  systemFonts?: boolean;
}

/** Rasterises an SVG document to PNG bytes. */
export function svgToPng(svg: string, options: PngOptions = {}): Uint8Array {
  const resvg = new Resvg(svg, {
    fitTo: options.width ? { mode: 'width', value: Math.round(options.width) } : { mode: 'original' },
    font: { loadSystemFonts: options.systemFonts ?? true, defaultFontFamily: 'DejaVu Sans' },
  });
  return resvg.render().asPng();
}
