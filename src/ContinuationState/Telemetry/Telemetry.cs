using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.Reflection;

namespace ContinuationState.Internal;

/// <summary>
/// The library's one Meter and one ActivitySource. Instruments cost a flag check when nobody listens; activities
/// are only created when a listener samples them. Tags carry the operation, the id's kind and the outcome, never
/// a payload, a conversation id or a user id.
/// </summary>
internal static class Telemetry
{
    private static readonly string Version = typeof(Telemetry).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "0.0.0";

    public static readonly ActivitySource ActivitySource = new(ContinuationStateInstrumentation.ActivitySourceName, Version);

    public static readonly Meter Meter = new(ContinuationStateInstrumentation.MeterName, Version);

    public static readonly Counter<long> Saves = Meter.CreateCounter<long>("continuationstate.saves", "{state}", "States saved.");

    public static readonly Counter<long> Loads = Meter.CreateCounter<long>("continuationstate.loads", "{load}", "Loads, by outcome (hit, miss).");

    public static readonly Counter<long> Claims = Meter.CreateCounter<long>("continuationstate.claims", "{claim}", "Claims, by outcome (won, in_progress, none).");

    public static readonly Counter<long> Releases = Meter.CreateCounter<long>("continuationstate.releases", "{claim}", "Claims released, by outcome (released, none).");

    public static readonly Counter<long> Deletes = Meter.CreateCounter<long>("continuationstate.deletes", "{state}", "Deletes, by outcome (deleted, none).");

    public static readonly Counter<long> Marks = Meter.CreateCounter<long>("continuationstate.marks", "{state}", "DocsGPT-style marks as resuming, by outcome (marked, none).");

    public static readonly Counter<long> Purged = Meter.CreateCounter<long>("continuationstate.purged", "{state}", "Expired states purged.");

    public static readonly Counter<long> WorkflowSessionsPurged = Meter.CreateCounter<long>("continuationstate.workflow_sessions.purged", "{session}", "Expired workflow sessions purged, with their checkpoints.");

    public static readonly Counter<long> Reverted = Meter.CreateCounter<long>("continuationstate.reverted", "{claim}", "Stale claims reverted to pending.");

    // OpenTelemetry's database-client duration histogram, in seconds, with its recommended bucket boundaries.
    public static readonly Histogram<double> OperationDuration = Meter.CreateHistogram(
        "db.client.operation.duration",
        "s",
        "Duration of ContinuationState operations, from the call to the answer.",
        tags: null,
        advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = [0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5, 10] });

    public static readonly Histogram<long> StateSize = Meter.CreateHistogram<long>("continuationstate.state.size", "By", "Size of a saved state's JSON, all parts together.");
}
