"""The app's stylesheet: a layout that keeps every label at least 14 CSS px.

Figures are SVGs whose ``viewBox`` widths (520 for a bucket, 480 for a chart) sit just
above the narrowest column the grid allows (:data:`MIN_COLUMN` px), so they are never
drawn below ~0.9 of their design size; their fonts are 15–17 units. Two columns fit from
a 1024 px wide window up; below that the columns stack. In presentation mode the figures
take their height from the window instead (55 % buckets, 45 % profit and trust ladder,
under a bar of at most :data:`PRESENT_BAR` px), so the whole story fits one screen.
"""

from __future__ import annotations

from sim.app.svg import FONT

#: The narrowest column of the figure grids (CSS px).
MIN_COLUMN = 460
#: Height reserved above and below the figures in presentation mode (CSS px).
PRESENT_BAR = 112
#: The page's side padding and the gap between grid cells (CSS px).
PAGE_PADDING, GAP = 12, 8

CSS = f"""
.tm-root, .tm-app {{ font-family: {FONT}; color: #222; }}
.tm-app {{ padding: 6px {PAGE_PADDING}px 12px {PAGE_PADDING}px; box-sizing: border-box; }}
.tm-bar {{ display: flex; align-items: center; justify-content: space-between; gap: 16px;
  flex-wrap: wrap; padding: 4px 0 6px 0; border-bottom: 1px solid #ddd; }}
.tm-title {{ min-width: 0; flex: 1 1 320px; }}
.tm-title-name {{ font-size: 22px; font-weight: bold; text-transform: capitalize; }}
.tm-title-description {{ font-size: 15px; color: #444; }}
.tm-counter {{ display: flex; flex-direction: column; align-items: flex-end; }}
.tm-counter-main {{ font-weight: bold; white-space: nowrap; }}
.tm-counter-small .tm-counter-main {{ font-size: 22px; }}
.tm-counter-large .tm-counter-main {{ font-size: 40px; line-height: 1.1; }}
.tm-counter-sub {{ font-size: 15px; color: #444; white-space: nowrap; }}
.tm-present-switch label {{ font-size: 15px !important; color: #222 !important; }}
.tm-controls {{ display: flex; flex-wrap: wrap; align-items: center; gap: 12px;
  padding: 8px 0; }}
.tm-controls .v-btn {{ font-size: 16px; text-transform: none; }}
.tm-speed {{ max-width: 220px; }}
.tm-seed {{ width: 300px; }}
.tm-seed-message {{ color: #b00020; font-size: 15px; line-height: 1.3; overflow-wrap: anywhere; }}
.tm-error {{ font-size: 15px; }}
.tm-bucket-grid, .tm-levers, .tm-charts {{ display: grid; gap: {GAP}px;
  grid-template-columns: repeat(auto-fit, minmax({MIN_COLUMN}px, 1fr)); }}
.tm-figure {{ min-width: 0; }}
.tm-figure svg {{ width: 100%; height: auto; display: block; }}
.tm-bucket-cell {{ min-width: 0; border: 1px solid #e4e4e4; border-radius: 4px; }}
.tm-charts {{ margin-top: 8px; }}
.tm-charts .tm-figure {{ border: 1px solid #e4e4e4; border-radius: 4px; }}
.tm-levers {{ margin-top: 8px; }}
.tm-firm-levers {{ border: 1px solid #e4e4e4; border-radius: 4px; padding: 6px 14px;
  min-width: 0; }}
.tm-levers-title {{ font-size: 18px; font-weight: bold; margin-bottom: 2px; }}
.tm-swatch {{ display: inline-block; width: 14px; height: 14px; margin-right: 8px; }}
.tm-preset {{ font-size: 16px; }}
.tm-lever {{ margin: 2px 0 0 0; }}
.tm-lever-head {{ display: flex; justify-content: space-between; gap: 12px; font-size: 16px; }}
.tm-lever-label {{ cursor: help; white-space: nowrap; align-items: center;
  background: transparent !important; }}
.tm-info {{ display: inline-block; width: 18px; height: 18px; line-height: 18px; font-size: 14px;
  text-align: center; border-radius: 50%; background: #555; color: #fff; font-weight: bold; }}
.tm-app .v-label, .tm-app .v-select__selection, .tm-app input {{ font-size: 15px !important; }}
.tm-app .v-label--active {{ font-size: 15px !important; transform: translateY(-20px) scale(0.93)
  !important; }}
.tm-lever-value {{ font-weight: bold; white-space: nowrap; }}
.tm-slider .v-input {{ margin-top: 0; padding-top: 0; }}
.tm-slider .v-input__slot {{ margin-bottom: 0; }}
.tm-slider .v-messages {{ display: none; }}
.tm-keys-help {{ font-size: 14px; color: #555; padding: 4px 0; }}
.tm-levers-market {{ align-items: start; }}
.tm-present {{ height: 100vh; overflow: hidden; padding-top: 2px; padding-bottom: 0; }}
.tm-present .tm-bar {{ padding: 0; }}
.tm-present .tm-bucket svg {{ height: calc((100vh - {PRESENT_BAR}px) * 0.55); }}
.tm-present .tm-charts svg {{ height: calc((100vh - {PRESENT_BAR}px) * 0.45 - 8px); }}
.tm-present .tm-keys-help {{ padding: 0; }}
"""
