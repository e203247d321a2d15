using System.Text.Json;

namespace ContinuationState.Extensions.AI.Workflows;

/// <summary>How <see cref="WorkflowContinuationExtensions.ResumeWorkflowAsync"/> runs and finishes a resume.</summary>
public sealed class WorkflowResumeOptions
{
    /// <summary>The options the checkpoint manager was created with, if the host gave it any; the framework's when null.</summary>
    public JsonSerializerOptions? CheckpointSerializerOptions { get; init; }

    /// <summary>
    /// The most a resumed run may take before it is cancelled and the claim handed back (default 5 minutes). A resumed
    /// workflow's event stream can wait forever (Agent Framework 1.28), so every resume is bounded.
    /// </summary>
    public TimeSpan RunTimeout { get; init; } = TimeSpan.FromMinutes(5);

    /// <summary>The receipt's document (a completed resume) or the completed claim's (paused again); null for none.</summary>
    public object? Outcome { get; init; }

    /// <summary>A new pause's life; <see cref="ContinuationStateOptions.DefaultTtl"/> when null. Keep it within the checkpoint store's session TTL.</summary>
    public TimeSpan? PauseTtl { get; init; }
}
