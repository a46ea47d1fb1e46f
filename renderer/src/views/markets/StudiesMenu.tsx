import {
  CHART_OVERLAYS,
  CHART_PANES,
  type ChartOverlay,
  type ChartPane,
} from '../../../../shared/api/domains/markets.js';
import { OVERLAY_TITLES, PANE_TITLES } from '../../charts/chartStudies.js';
import { useMarkets } from '../../stores/context.js';

/**
 * Which indicators the chart draws: overlays on the price and panes beneath it, ticked per
 * instrument and saved with it, so each instrument comes back with its own.
 */
export function StudiesMenu() {
  const studies = useMarkets((state) => state.studies);
  const setStudies = useMarkets((state) => state.setStudies);
  const toggleOverlay = (overlay: ChartOverlay): void => {
    const overlays = studies.overlays.includes(overlay)
      ? studies.overlays.filter((chosen) => chosen !== overlay)
      : CHART_OVERLAYS.filter((candidate) => candidate === overlay || studies.overlays.includes(candidate));
    setStudies({ ...studies, overlays });
  };
  const togglePane = (pane: ChartPane): void => {
    const panes = studies.panes.includes(pane)
      ? studies.panes.filter((chosen) => chosen !== pane)
      : CHART_PANES.filter((candidate) => candidate === pane || studies.panes.includes(candidate));
    setStudies({ ...studies, panes });
  };
  const count = studies.overlays.length + studies.panes.length;
  return (
    <details className="studies-menu">
      <summary data-testid="studies-menu">Indicators{count > 0 ? ` (${count})` : ''}</summary>
      <div className="studies-list">
        <span className="studies-group">On the price</span>
        {CHART_OVERLAYS.map((overlay) => (
          <label key={overlay}>
            <input
              type="checkbox"
              data-testid={`overlay-${overlay}`}
              checked={studies.overlays.includes(overlay)}
              onChange={() => {
                toggleOverlay(overlay);
              }}
            />
            {OVERLAY_TITLES[overlay]}
          </label>
        ))}
        <span className="studies-group">Panes</span>
        {CHART_PANES.map((pane) => (
          <label key={pane}>
            <input
              type="checkbox"
              data-testid={`pane-${pane}`}
              checked={studies.panes.includes(pane)}
              onChange={() => {
                togglePane(pane);
              }}
            />
            {PANE_TITLES[pane]}
          </label>
        ))}
      </div>
    </details>
  );
}
