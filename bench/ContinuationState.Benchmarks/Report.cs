using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace ContinuationState.Benchmarks;

/// <summary>One measured cell: an operation, a variant (id kind, payload kind, callers), a size.</summary>
internal sealed record Row(
    string BaseOp,
    string IdKind,
    string PayloadKind,
    int Concurrency,
    int PayloadBytes,
    int ActualPayloadBytes,
    int ExpectedRoundTrips,
    CellResult Cell,
    string LibraryLabel = "library",
    string RawLabel = "raw",
    string Baseline = "raw",
    double? Target = null)
{
    /// <summary>The operation, with its variant when it is not the plain UUID / JsonElement / one caller case.</summary>
    public string Op
    {
        get
        {
            var suffix = new List<string>();
            if (IdKind != "uuid")
            {
                suffix.Add(IdKind);
            }

            if (PayloadKind != "json_element")
            {
                suffix.Add(PayloadKind);
            }

            if (Concurrency != 1)
            {
                suffix.Add($"c{Concurrency}");
            }

            return suffix.Count == 0 ? BaseOp : $"{BaseOp}/{string.Join('/', suffix)}";
        }
    }

    /// <summary>
    /// Ours / raw: the median over rounds of the ratio within a round (see <see cref="CellResult.PairedRatio"/>), which
    /// a shared machine's bursts move far less than the ratio of the totals.
    /// </summary>
    public double Ratio => Cell.PairedRatio;

    /// <summary>Ours / raw from the totals of all calls (the ops/s columns).</summary>
    public double RatioOfTotals => Cell.Library.OpsPerSec / Cell.Raw.OpsPerSec;

    /// <summary>The ratio of median latencies (raw / ours): less sensitive to a single stall on a shared machine.</summary>
    public double RatioP50 => Cell.Raw.P50Ms / Cell.Library.P50Ms;

    /// <summary>The ratio this row must reach; 0 for rows that only inform.</summary>
    public double RatioTarget => Target ?? (PayloadBytes >= 1 << 20 ? 0.95 : 0.9);

    public bool RatioHolds => Ratio >= RatioTarget;

    public bool RoundTripsHold => double.IsNaN(Cell.Library.RoundTripsPerOp) || Cell.Library.RoundTripsPerOp <= ExpectedRoundTrips;

    /// <summary>Allocation target: a save or load of a 1 MB state allocates under 3 MB (not applicable elsewhere).</summary>
    public bool? AllocationHolds => PayloadBytes == 1 << 20 && Concurrency == 1 && BaseOp is "save_new" or "save_existing" or "load_hit"
        ? Cell.Library.AllocBytesPerOp < 3 * (1 << 20)
        : null;

    public bool Holds => RatioHolds && RoundTripsHold && AllocationHolds != false && Cell.Library.Errors == 0 && Cell.Raw.Errors == 0;
}

/// <summary>Writes <c>summary.json</c> and prints the table.</summary>
internal static class Report
{
    private static readonly JsonSerializerOptions JsonOptions = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        WriteIndented = true,
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
    };

    public static async Task WriteJsonAsync(string path, IEnumerable<Row> rows)
    {
        var entries = rows.Select(r => new SummaryEntry(
            r.Op,
            r.PayloadBytes,
            Round(r.Cell.Library.OpsPerSec, 1),
            Round(r.Cell.Raw.OpsPerSec, 1),
            Round(r.Ratio, 3),
            Round(r.Cell.Library.P99Ms, 3),
            Math.Round(r.Cell.Library.AllocBytesPerOp),
            Round(r.Cell.Library.RoundTripsPerOp, 2),
            r.BaseOp,
            r.IdKind,
            r.PayloadKind,
            r.Concurrency,
            r.ActualPayloadBytes,
            Round(r.Cell.Library.P50Ms, 3),
            Round(r.Cell.Raw.P50Ms, 3),
            Round(r.Cell.Raw.P99Ms, 3),
            Math.Round(r.Cell.Raw.AllocBytesPerOp),
            Round(r.Cell.Raw.RoundTripsPerOp, 2),
            r.ExpectedRoundTrips,
            Round(r.RatioP50, 3),
            Round(r.RatioOfTotals, 3),
            [.. r.Cell.RoundRatios.Select(x => Round(x, 3))],
            r.Cell.Library.Samples,
            r.Cell.Raw.Samples,
            r.Cell.Library.Errors + r.Cell.Raw.Errors,
            r.Cell.Library.FirstError ?? r.Cell.Raw.FirstError,
            r.Holds,
            r.Baseline,
            r.LibraryLabel,
            r.RawLabel,
            r.RatioTarget));
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        await File.WriteAllTextAsync(path, JsonSerializer.Serialize(entries, JsonOptions) + "\n");
    }

    public static string Table(IReadOnlyList<Row> rows, bool withVerdict = true)
    {
        var header = new[] { "op", "size", "ops/s", "raw ops/s", "ratio", "p50 ms", "p99 ms", "raw p99", "alloc/op", "raw alloc", "trips", withVerdict ? "target" : "" };
        var lines = rows.Select(r => new[]
        {
            r.Op,
            Payload.Label(r.PayloadBytes),
            Number(r.Cell.Library.OpsPerSec),
            Number(r.Cell.Raw.OpsPerSec),
            r.Ratio.ToString("0.00", CultureInfo.InvariantCulture),
            Ms(r.Cell.Library.P50Ms),
            Ms(r.Cell.Library.P99Ms),
            Ms(r.Cell.Raw.P99Ms),
            Bytes(r.Cell.Library.AllocBytesPerOp),
            Bytes(r.Cell.Raw.AllocBytesPerOp),
            double.IsNaN(r.Cell.Library.RoundTripsPerOp) ? "-" : r.Cell.Library.RoundTripsPerOp.ToString("0.##", CultureInfo.InvariantCulture),
            withVerdict ? Verdict(r) : "",
        }).ToList();
        var widths = header.Select((h, i) => Math.Max(h.Length, lines.Count == 0 ? 0 : lines.Max(l => l[i].Length))).ToArray();
        var text = new StringBuilder();
        void Line(string[] cells) => text.Append("| ").AppendJoin(" | ", cells.Select((c, i) => i <= 1 ? c.PadRight(widths[i]) : c.PadLeft(widths[i]))).Append(" |\n");
        Line(header);
        text.Append('|').AppendJoin('|', widths.Select((w, i) => i <= 1 ? new string('-', w + 2) : new string('-', w + 1) + ":")).Append("|\n");
        lines.ForEach(Line);
        return text.ToString();
    }

    /// <summary>
    /// The rows measured against the limit: the library (or raw prepared Npgsql) against raw prepared Npgsql and against
    /// pgbench -M prepared, with each side's rate, the spread of the rounds and the target.
    /// </summary>
    public static string LimitTable(IReadOnlyList<Row> rows)
    {
        var text = new StringBuilder();
        text.Append("| op | size | measured | ops/s | against | ops/s | ratio | rounds (min–max) | target |\n");
        text.Append("|---|---|---|--:|---|--:|--:|--:|---|\n");
        foreach (var r in rows)
        {
            var spread = r.Cell.RoundRatios.Count == 0 ? "-"
                : string.Create(CultureInfo.InvariantCulture, $"{r.Cell.RoundRatios.Min():0.00}–{r.Cell.RoundRatios.Max():0.00}");
            var target = r.RatioTarget <= 0 ? "-" : Verdict(r) == "ok" ? $"ok (≥ {r.RatioTarget:0.00})" : $"{Verdict(r)}";
            text.Append(CultureInfo.InvariantCulture, $"| {r.Op} | {Payload.Label(r.PayloadBytes)} | {r.LibraryLabel} | {Number(r.Cell.Library.OpsPerSec)} | {r.RawLabel} | {Number(r.Cell.Raw.OpsPerSec)} | {r.Ratio:0.00} | {spread} | {target} |\n");
        }

        return text.ToString();
    }

    private static string Verdict(Row r)
    {
        var failures = new List<string>();
        if (!r.RatioHolds)
        {
            failures.Add($"ratio<{r.RatioTarget:0.00}");
        }

        if (!r.RoundTripsHold)
        {
            failures.Add($"trips>{r.ExpectedRoundTrips}");
        }

        if (r.AllocationHolds == false)
        {
            failures.Add("alloc>=3MB");
        }

        if (r.Cell.Library.Errors + r.Cell.Raw.Errors > 0)
        {
            failures.Add($"{r.Cell.Library.Errors + r.Cell.Raw.Errors} errors");
        }

        return failures.Count == 0 ? "ok" : "FAIL " + string.Join(", ", failures);
    }

    private static double Round(double value, int digits) => double.IsFinite(value) ? Math.Round(value, digits) : value;

    private static string Number(double value) => value >= 100 ? value.ToString("N0", CultureInfo.InvariantCulture) : value.ToString("0.0", CultureInfo.InvariantCulture);

    private static string Ms(double value) => value >= 100 ? value.ToString("0", CultureInfo.InvariantCulture) : value >= 10 ? value.ToString("0.0", CultureInfo.InvariantCulture) : value.ToString("0.00", CultureInfo.InvariantCulture);

    private static string Bytes(double value) => double.IsNaN(value) ? "-"
        : value >= 1 << 20 ? (value / (1 << 20)).ToString("0.00", CultureInfo.InvariantCulture) + " MB"
        : value >= 1 << 10 ? (value / (1 << 10)).ToString("0.0", CultureInfo.InvariantCulture) + " KB"
        : value.ToString("0", CultureInfo.InvariantCulture) + " B";

    private sealed record SummaryEntry(
        string Op,
        int PayloadBytes,
        double OpsPerSec,
        double RawOpsPerSec,
        double Ratio,
        double P99Ms,
        double AllocBytesPerOp,
        double RoundTripsPerOp,
        string BaseOp,
        string IdKind,
        string PayloadKind,
        int Concurrency,
        int ActualPayloadBytes,
        double P50Ms,
        double RawP50Ms,
        double RawP99Ms,
        double RawAllocBytesPerOp,
        double RawRoundTripsPerOp,
        int ExpectedRoundTrips,
        double RatioP50,
        double RatioOfTotals,
        IReadOnlyList<double> RoundRatios,
        int Samples,
        int RawSamples,
        int Errors,
        string? FirstError,
        bool TargetsHold,
        string Baseline,
        string Measured,
        string ComparedWith,
        double RatioTarget);
}
