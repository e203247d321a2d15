namespace ContinuationState;

/// <summary>
/// The names under which ContinuationState publishes telemetry, for adding it to an OpenTelemetry pipeline:
/// <c>.WithMetrics(m =&gt; m.AddMeter(ContinuationStateInstrumentation.MeterName))</c> and
/// <c>.WithTracing(t =&gt; t.AddSource(ContinuationStateInstrumentation.ActivitySourceName))</c>.
/// </summary>
public static class ContinuationStateInstrumentation
{
    /// <summary>The <see cref="System.Diagnostics.Metrics.Meter"/> name.</summary>
    public const string MeterName = "ContinuationState";

    /// <summary>The <see cref="System.Diagnostics.ActivitySource"/> name.</summary>
    public const string ActivitySourceName = "ContinuationState";
}
