/**
 * A small Prometheus metrics registry (text exposition format 0.0.4) that any module can
 * register counters, gauges and histograms in. One registry per runtime (`rt.metrics`), so
 * two servers in one process (tests) keep separate numbers.
 *
 * Cardinality is bounded by construction: label names are fixed when a metric is registered,
 * a label named like an address (`ip`, `src_ip`, ...) is refused, and each metric keeps at most
 * `maxSeries` label sets; further ones are not recorded and are counted in
 * `honeywatch_metrics_series_dropped_total` (Cowrie's own Prometheus output labels by source IP,
 * which an attacker turns into unbounded memory).
 *
 * @example
 * const drift = rt.metrics.counter("honeywatch_model_drift_total", "Drift detections", ["model"]);
 * drift.inc({ model: "adwin" });
 */

/** Label values by label name. */
export type Labels = Readonly<Record<string, string>>;

/** Label names that would put one series per attacker in memory. */
const FORBIDDEN_LABELS = /^(ip|src_ip|dst_ip|addr|address|source_ip|client_ip|remote_addr)$/i;
const NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

type Kind = "counter" | "gauge" | "histogram";

/** Escape a label value for the text format. */
function escapeLabel(v: string): string {
  return v.replaceAll("\\", "\\\\").replaceAll('"', '\\"').replaceAll("\n", "\\n");
}

/** Escape HELP text for the text format. */
function escapeHelp(v: string): string {
  return v.replaceAll("\\", "\\\\").replaceAll("\n", "\\n");
}

/** A number as the text format writes it. */
function num(v: number): string {
  if (Number.isNaN(v)) return "NaN";
  if (v === Infinity) return "+Inf";
  if (v === -Infinity) return "-Inf";
  return String(v);
}

abstract class Metric<S> {
  protected readonly series = new Map<string, { labels: Labels; value: S }>();
  constructor(
    readonly name: string,
    readonly help: string,
    readonly kind: Kind,
    readonly labelNames: readonly string[],
    protected readonly registry: Registry,
  ) {}

  /** The series for `labels`, created on first use; undefined when the cap is reached. */
  protected slot(labels: Labels | undefined, init: () => S): { labels: Labels; value: S } | undefined {
    const l = labels ?? {};
    const key = this.labelNames.map((n) => {
      const v = l[n];
      if (v === undefined) throw new Error(`Metric "${this.name}": label "${n}" is missing`);
      return v;
    }).join("\u0000");
    let s = this.series.get(key);
    if (!s) {
      if (this.series.size >= this.registry.maxSeries) {
        this.registry.seriesDropped++;
        return undefined;
      }
      s = { labels: l, value: init() };
      this.series.set(key, s);
    }
    return s;
  }

  /** Forget every series (a collector that rebuilds a labelled gauge from scratch calls this). */
  reset(): void {
    this.series.clear();
  }

  protected labelText(labels: Labels, extra?: [string, string]): string {
    const parts = this.labelNames.map((n) => `${n}="${escapeLabel(labels[n])}"`);
    if (extra) parts.push(`${extra[0]}="${escapeLabel(extra[1])}"`);
    return parts.length ? `{${parts.join(",")}}` : "";
  }

  abstract render(out: string[]): void;
}

/** A monotonic count. */
export class Counter extends Metric<number> {
  /** Add `n` (default 1; negative values are ignored, counters only go up). */
  inc(labels?: Labels, n = 1): void {
    if (!(n > 0)) return;
    const s = this.slot(labels, () => 0);
    if (s) s.value += n;
  }
  /** Mirror a monotonic count kept elsewhere (e.g. `pipeline.stats`), at scrape time. */
  set(labels: Labels | undefined, v: number): void {
    const s = this.slot(labels, () => 0);
    if (s) s.value = v;
  }
  /** Current value of one series (0 when absent). */
  get(labels?: Labels): number {
    return this.slot(labels, () => 0)?.value ?? 0;
  }
  render(out: string[]): void {
    for (const s of this.series.values()) out.push(`${this.name}${this.labelText(s.labels)} ${num(s.value)}`);
  }
}

/** A value that goes up and down. */
export class Gauge extends Metric<number> {
  set(labels: Labels | undefined, v: number): void {
    const s = this.slot(labels, () => 0);
    if (s) s.value = v;
  }
  inc(labels?: Labels, n = 1): void {
    const s = this.slot(labels, () => 0);
    if (s) s.value += n;
  }
  get(labels?: Labels): number {
    return this.slot(labels, () => 0)?.value ?? 0;
  }
  render(out: string[]): void {
    for (const s of this.series.values()) out.push(`${this.name}${this.labelText(s.labels)} ${num(s.value)}`);
  }
}

interface HistogramValue {
  counts: number[];
  sum: number;
  count: number;
}

/** A distribution over fixed upper bounds (cumulative buckets, as Prometheus expects). */
export class Histogram extends Metric<HistogramValue> {
  constructor(
    name: string,
    help: string,
    labelNames: readonly string[],
    registry: Registry,
    readonly buckets: readonly number[],
  ) {
    super(name, help, "histogram", labelNames, registry);
  }
  observe(labels: Labels | undefined, v: number): void {
    const s = this.slot(labels, () => ({ counts: this.buckets.map(() => 0), sum: 0, count: 0 }));
    if (!s || !Number.isFinite(v)) return;
    for (let i = 0; i < this.buckets.length; i++) if (v <= this.buckets[i]) s.value.counts[i]++;
    s.value.sum += v;
    s.value.count++;
  }
  render(out: string[]): void {
    for (const s of this.series.values()) {
      this.buckets.forEach((b, i) => {
        out.push(`${this.name}_bucket${this.labelText(s.labels, ["le", num(b)])} ${s.value.counts[i]}`);
      });
      out.push(`${this.name}_bucket${this.labelText(s.labels, ["le", "+Inf"])} ${s.value.count}`);
      out.push(`${this.name}_sum${this.labelText(s.labels)} ${num(s.value.sum)}`);
      out.push(`${this.name}_count${this.labelText(s.labels)} ${s.value.count}`);
    }
  }
}

/** Runs at scrape time to bring mirrored values up to date. */
export type Collector = () => void | Promise<void>;

/** The set of metrics of one runtime. */
export class Registry {
  readonly #metrics = new Map<string, Metric<unknown>>();
  readonly #collectors: Collector[] = [];
  seriesDropped = 0;

  /** @param maxSeries most label sets kept per metric */
  constructor(readonly maxSeries = 1000) {}

  #register<M extends Metric<unknown>>(
    name: string,
    kind: Kind,
    labelNames: readonly string[],
    make: () => M,
  ): M {
    const have = this.#metrics.get(name);
    if (have) {
      if (have.kind !== kind || have.labelNames.join() !== labelNames.join()) {
        throw new Error(
          `Metric "${name}" is already registered as a ${have.kind} with labels [${have.labelNames}]`,
        );
      }
      return have as M;
    }
    if (!NAME.test(name)) throw new Error(`Metric name "${name}" is not a valid Prometheus name`);
    if (kind === "counter" && !name.endsWith("_total")) {
      throw new Error(`Counter "${name}" must end in "_total" (Prometheus convention)`);
    }
    for (const l of labelNames) {
      if (!LABEL.test(l) || l === "le" || l.startsWith("__")) {
        throw new Error(`Metric "${name}": label "${l}" is not allowed`);
      }
      if (FORBIDDEN_LABELS.test(l)) {
        throw new Error(`Metric "${name}": label "${l}" would make one series per address`);
      }
    }
    const m = make();
    this.#metrics.set(name, m);
    return m;
  }

  /** Get or create a counter (name must end in `_total`). */
  counter(name: string, help: string, labelNames: readonly string[] = []): Counter {
    return this.#register(
      name,
      "counter",
      labelNames,
      () => new Counter(name, help, "counter", labelNames, this),
    );
  }

  /** Get or create a gauge. */
  gauge(name: string, help: string, labelNames: readonly string[] = []): Gauge {
    return this.#register(name, "gauge", labelNames, () => new Gauge(name, help, "gauge", labelNames, this));
  }

  /** Get or create a histogram with the given upper bounds (ascending). */
  histogram(
    name: string,
    help: string,
    buckets: readonly number[],
    labelNames: readonly string[] = [],
  ): Histogram {
    return this.#register(
      name,
      "histogram",
      labelNames,
      () => new Histogram(name, help, labelNames, this, buckets),
    );
  }

  /** Run `fn` before every scrape (to mirror counts kept elsewhere into gauges and counters). */
  collect(fn: Collector): void {
    this.#collectors.push(fn);
  }

  /** The text exposition of every metric, after running the collectors. */
  async render(): Promise<string> {
    for (const c of this.#collectors) await c();
    const out: string[] = [];
    const dropped = this.gauge(
      "honeywatch_metrics_series_dropped",
      "Label sets not recorded because a metric reached its series cap",
    );
    dropped.set(undefined, this.seriesDropped);
    for (const m of [...this.#metrics.values()].sort((a, b) => a.name.localeCompare(b.name))) {
      out.push(`# HELP ${m.name} ${escapeHelp(m.help)}`);
      out.push(`# TYPE ${m.name} ${m.kind}`);
      m.render(out);
    }
    return out.join("\n") + "\n";
  }
}
