/**
 * The one place for panel defaults: sizes, legends, tooltips, line style and thresholds. Boards call
 * these and only say what differs (title, unit, queries, thresholds).
 */
import type * as cog from '@grafana/grafana-foundation-sdk/cog';
import * as common from '@grafana/grafana-foundation-sdk/common';
import type { DataSourceRef } from '@grafana/grafana-foundation-sdk/common';
import * as dashboard from '@grafana/grafana-foundation-sdk/dashboard';
import * as bargauge from '@grafana/grafana-foundation-sdk/bargauge';
import * as stat from '@grafana/grafana-foundation-sdk/stat';
import * as table from '@grafana/grafana-foundation-sdk/table';
import * as timeseries from '@grafana/grafana-foundation-sdk/timeseries';

/** Grid width of a full-width panel (Grafana's grid has 24 columns). */
export const FULL_WIDTH = 24;
/** Default panel width: half the grid. */
export const DEFAULT_PANEL_WIDTH = 12;
/** Default panel height in grid rows. */
export const DEFAULT_PANEL_HEIGHT = 9;

export interface PanelOptions {
  readonly title: string;
  /** What the panel shows and how to read it (shown as the panel's info tooltip). */
  readonly description: string;
  readonly targets: ReadonlyArray<cog.Builder<cog.Dataquery>>;
  /**
   * Grafana unit id (`velocityms`, `s`, `lengthm`, `short`, `ms`).
   * @default 'short'
   */
  readonly unit?: string;
  /**
   * Grid columns, out of 24.
   * @default DEFAULT_PANEL_WIDTH
   */
  readonly width?: number;
  /**
   * Grid rows.
   * @default DEFAULT_PANEL_HEIGHT
   */
  readonly height?: number;
  /**
   * Threshold steps: a base colour, then `[value, colour]` steps upwards.
   * @default no thresholds (a green base)
   */
  readonly thresholds?: ThresholdSteps;
  /**
   * Decimals shown.
   * @default Grafana's automatic choice
   */
  readonly decimals?: number;
}

/** A base colour and ascending `[value, colour]` steps. */
export interface ThresholdSteps {
  readonly base: string;
  readonly steps?: ReadonlyArray<readonly [number, string]>;
}

/**
 * The data source all of a panel's targets use, set on the panel too: Grafana runs a panel's queries
 * on the panel's data source (the default one when unset) unless it is the mixed one.
 */
function panelDatasource(targets: PanelOptions['targets']): DataSourceRef | undefined {
  const refs = targets.map((target) => (target.build() as { datasource?: DataSourceRef }).datasource);
  const first = refs[0];
  return first !== undefined && refs.every((ref) => ref?.uid === first.uid) ? first : undefined;
}

function thresholdsOf(steps: ThresholdSteps | undefined): dashboard.ThresholdsConfigBuilder {
  return new dashboard.ThresholdsConfigBuilder()
    .mode(dashboard.ThresholdsMode.Absolute)
    .steps([
      { value: null, color: steps?.base ?? 'green' },
      ...(steps?.steps ?? []).map(([value, color]) => ({ value, color })),
    ]);
}

/** Lines over time; thresholds drawn in as dashed lines when given. */
export function timeSeriesPanel(options: PanelOptions): timeseries.PanelBuilder {
  const panel = new timeseries.PanelBuilder()
    .title(options.title)
    .description(options.description)
    .targets([...options.targets])
    .unit(options.unit ?? 'short')
    .span(options.width ?? DEFAULT_PANEL_WIDTH)
    .height(options.height ?? DEFAULT_PANEL_HEIGHT)
    .lineWidth(2)
    .fillOpacity(8)
    .showPoints(common.VisibilityMode.Never)
    .spanNulls(true)
    .thresholds(thresholdsOf(options.thresholds))
    .legend(
      new common.VizLegendOptionsBuilder()
        .showLegend(true)
        .displayMode(common.LegendDisplayMode.Table)
        .placement(common.LegendPlacement.Right)
        .calcs(['max', 'lastNotNull']),
    )
    .tooltip(
      new common.VizTooltipOptionsBuilder()
        .mode(common.TooltipDisplayMode.Multi)
        .sort(common.SortOrder.Descending),
    );
  const datasource = panelDatasource(options.targets);
  if (datasource !== undefined) panel.datasource(datasource);
  if (options.thresholds?.steps !== undefined)
    panel.thresholdsStyle(
      new common.GraphThresholdsStyleConfigBuilder().mode(common.GraphThresholdsStyleMode.Dashed),
    );
  if (options.decimals !== undefined) panel.decimals(options.decimals);
  return panel;
}

/** Rows as they come from the query; cells coloured by thresholds when given. */
export function tablePanel(options: PanelOptions): table.PanelBuilder {
  const panel = new table.PanelBuilder()
    .title(options.title)
    .description(options.description)
    .targets([...options.targets])
    .unit(options.unit ?? 'short')
    .span(options.width ?? DEFAULT_PANEL_WIDTH)
    .height(options.height ?? DEFAULT_PANEL_HEIGHT)
    .thresholds(thresholdsOf(options.thresholds))
    .showHeader(true)
    .filterable(true)
    .cellHeight(common.TableCellHeight.Sm);
  const datasource = panelDatasource(options.targets);
  if (datasource !== undefined) panel.datasource(datasource);
  if (options.decimals !== undefined) panel.decimals(options.decimals);
  return panel;
}

/** One big number per series (the last value), coloured by thresholds. */
export function statPanel(options: PanelOptions): stat.PanelBuilder {
  const panel = new stat.PanelBuilder()
    .title(options.title)
    .description(options.description)
    .targets([...options.targets])
    .unit(options.unit ?? 'short')
    .span(options.width ?? 6)
    .height(options.height ?? 5)
    .thresholds(thresholdsOf(options.thresholds))
    .colorMode(common.BigValueColorMode.Value)
    .graphMode(common.BigValueGraphMode.Area)
    .reduceOptions(new common.ReduceDataOptionsBuilder().calcs(['lastNotNull']).values(false));
  const datasource = panelDatasource(options.targets);
  if (datasource !== undefined) panel.datasource(datasource);
  if (options.decimals !== undefined) panel.decimals(options.decimals);
  return panel;
}

/** A ranked list of bars, one per row of the query (leaderboards). */
export function barGaugePanel(options: PanelOptions): bargauge.PanelBuilder {
  const panel = new bargauge.PanelBuilder()
    .title(options.title)
    .description(options.description)
    .targets([...options.targets])
    .unit(options.unit ?? 'short')
    .span(options.width ?? DEFAULT_PANEL_WIDTH)
    .height(options.height ?? DEFAULT_PANEL_HEIGHT)
    .thresholds(thresholdsOf(options.thresholds))
    .orientation(common.VizOrientation.Horizontal)
    .displayMode(common.BarGaugeDisplayMode.Gradient)
    .valueMode(common.BarGaugeValueMode.Color)
    .reduceOptions(new common.ReduceDataOptionsBuilder().values(true).calcs([]));
  const datasource = panelDatasource(options.targets);
  if (datasource !== undefined) panel.datasource(datasource);
  if (options.decimals !== undefined) panel.decimals(options.decimals);
  return panel;
}

export interface BoardOptions {
  readonly uid: string;
  readonly title: string;
  readonly description: string;
  readonly tags: readonly string[];
  /**
   * Default time range, Grafana syntax.
   * @default { from: 'now-1h', to: 'now' }
   */
  readonly time?: { from: string; to: string };
  /**
   * Auto-refresh.
   * @default '10s'
   */
  readonly refresh?: string;
}

/*
 * The SDK marks the v1 dashboard model deprecated in favour of v2, but v1 is what Grafana's file
 * provisioning reads (v2 needs Grafana 12 with its dynamic dashboards feature), so the boards use v1,
 * through these aliases only.
 */
/* eslint-disable @typescript-eslint/no-deprecated */
/** A built dashboard (Grafana's v1 JSON model). */
export type Dashboard = dashboard.Dashboard;
/** The v1 dashboard builder. */
export type DashboardBuilder = dashboard.DashboardBuilder;
const newDashboard = (title: string): DashboardBuilder => new dashboard.DashboardBuilder(title);
/* eslint-enable @typescript-eslint/no-deprecated */

/** A dashboard with the shared settings: UTC, shared crosshair, read-only (provisioned from code). */
export function board(options: BoardOptions): DashboardBuilder {
  return newDashboard(options.title)
    .uid(options.uid)
    .description(options.description)
    .tags(['stadion', ...options.tags])
    .timezone('utc')
    .tooltip(dashboard.DashboardCursorSync.Crosshair)
    .time(options.time ?? { from: 'now-1h', to: 'now' })
    .refresh(options.refresh ?? '10s')
    .readonly()
    .annotation(
      // Grafana's built-in annotations (alerts and manual notes), which it expects in every dashboard.
      new dashboard.AnnotationQueryBuilder()
        .name('Annotations & Alerts')
        .datasource({ type: 'grafana', uid: '-- Grafana --' })
        .type('dashboard')
        .builtIn(1)
        .enable(true)
        .hide(true)
        .iconColor('rgba(0, 211, 255, 1)'),
    );
}

/**
 * Table cell colours by exact value (a level of service, a verdict): for `overrideByName(column, ...)`.
 * The whole cell takes the colour, the text stays the value.
 */
export function valueColours(colours: Readonly<Record<string, string>>): dashboard.DynamicConfigValue[] {
  const options = Object.fromEntries(
    Object.entries(colours).map(([value, color], index) => [value, { color, index }]),
  );
  return [
    { id: 'mappings', value: [{ type: dashboard.MappingType.ValueToText, options }] },
    { id: 'custom.cellOptions', value: { type: common.TableCellDisplayMode.ColorBackground } },
  ];
}
