using System.Collections.Concurrent;
using System.Diagnostics;

namespace ContinuationState.Tests.HighAvailability;

/// <summary>
/// What the writers were told: every acknowledged outcome, every winning claim, every failure, each stamped on one
/// clock, so the run can be checked against the new primary afterwards.
/// </summary>
internal sealed class FailoverLedger
{
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private readonly object _gate = new();
    private long _firstFailureTicks = -1;
    private long _firstSuccessAfterFailureTicks = -1;
    private long _lastFailureTicks = -1;
    private long _conversationsEnsured;
    private long _conversationsFoundOnRetry;
    private long _acknowledged;
    private long _acknowledgedAfterRecovery;
    private long _lastSuccessTicks;
    private long _longestStallTicks;

    /// <summary>The expected end state of each conversation, written by its only writer.</summary>
    public ConcurrentDictionary<Guid, Expected> Expectations { get; } = new();

    /// <summary>Receipts of acknowledged completions: conversation, resume id, the pause's marker.</summary>
    public ConcurrentBag<(Guid Conversation, string ResumeId, string Marker)> Receipts { get; } = new();

    /// <summary>Every winning claim: the pause (its marker) and the token it was won with.</summary>
    public ConcurrentBag<(string Marker, Guid Token, string How)> WinningClaims { get; } = new();

    /// <summary>Transient failures (what the host is told to retry).</summary>
    public ConcurrentBag<Exception> TransientFailures { get; } = new();

    /// <summary>Anything else: each one fails the test.</summary>
    public ConcurrentBag<Exception> UnexpectedFailures { get; } = new();

    /// <summary>A retried operation that did not converge to what docs/high-availability.md promises.</summary>
    public ConcurrentBag<string> Divergences { get; } = new();

    /// <summary>Pauses left claimed by an in-doubt claim, freed again by the stale-claim revert.</summary>
    public ConcurrentBag<string> RevertedInDoubtClaims { get; } = new();

    public long Acknowledged => Interlocked.Read(ref _acknowledged);

    /// <summary>Conversations the writers created, and of those the ones a retry found already theirs (the first answer was lost).</summary>
    public long ConversationsEnsured => Interlocked.Read(ref _conversationsEnsured);

    public long ConversationsFoundOnRetry => Interlocked.Read(ref _conversationsFoundOnRetry);

    public void ConversationCreated(bool createdByThisCall)
    {
        Interlocked.Increment(ref _conversationsEnsured);
        if (!createdByThisCall)
        {
            Interlocked.Increment(ref _conversationsFoundOnRetry);
        }
    }

    public long AcknowledgedAfterRecovery => Interlocked.Read(ref _acknowledgedAfterRecovery);

    public bool Recovered => Interlocked.Read(ref _firstSuccessAfterFailureTicks) >= 0;

    /// <summary>From the first failure to the first success after it.</summary>
    public TimeSpan? FailureWindow
    {
        get
        {
            lock (_gate)
            {
                return _firstFailureTicks < 0 || _firstSuccessAfterFailureTicks < 0
                    ? null
                    : TimeSpan.FromTicks(_firstSuccessAfterFailureTicks - _firstFailureTicks);
            }
        }
    }

    /// <summary>From the first failure to the last one (stragglers: pooled connections to the old primary).</summary>
    public TimeSpan? FailureSpan
    {
        get
        {
            lock (_gate)
            {
                return _firstFailureTicks < 0 ? null : TimeSpan.FromTicks(_lastFailureTicks - _firstFailureTicks);
            }
        }
    }

    /// <summary>Now on the ledger's clock: taken when an operation starts.</summary>
    public long Now => _clock.Elapsed.Ticks;

    /// <summary>The longest stretch with no operation succeeding (what a user of the host waits at worst).</summary>
    public TimeSpan LongestStall
    {
        get
        {
            lock (_gate)
            {
                return TimeSpan.FromTicks(_longestStallTicks);
            }
        }
    }

    /// <summary>
    /// An operation that started at <paramref name="startedAt"/> succeeded. It ends the failure window only if it
    /// started after the first failure: one already in the server when the primary died may still come back.
    /// </summary>
    public void Success(long startedAt)
    {
        Interlocked.Increment(ref _acknowledged);
        lock (_gate)
        {
            var now = _clock.Elapsed.Ticks;
            if (_lastSuccessTicks > 0)
            {
                _longestStallTicks = Math.Max(_longestStallTicks, now - _lastSuccessTicks);
            }

            _lastSuccessTicks = now;
            if (_firstFailureTicks < 0 || startedAt < _firstFailureTicks)
            {
                return;
            }

            if (_firstSuccessAfterFailureTicks < 0)
            {
                _firstSuccessAfterFailureTicks = now;
            }
        }

        Interlocked.Increment(ref _acknowledgedAfterRecovery);
    }

    public void Failure(Exception e)
    {
        if (e is ContinuationStateTransientException)
        {
            TransientFailures.Add(e);
        }
        else
        {
            UnexpectedFailures.Add(e);
        }

        lock (_gate)
        {
            var now = _clock.Elapsed.Ticks;
            if (_firstFailureTicks < 0)
            {
                _firstFailureTicks = now;
            }

            _lastFailureTicks = now;
        }
    }

    /// <summary>The end state a conversation must have on the new primary.</summary>
    public abstract record Expected;

    /// <summary>No row.</summary>
    public sealed record Absent : Expected;

    /// <summary>A pending row holding this pause, part for part (the JSON as sent).</summary>
    public sealed record Pending(string Marker, ExpectedParts Parts) : Expected;

    /// <summary>A row claimed with this token (and resume id, for an idempotent claim).</summary>
    public sealed record Resuming(string Marker, ExpectedParts Parts, Guid Token, string? ResumeId) : Expected;

    /// <summary>The JSON text of each part of a saved snapshot, as ContinuationJson writes it.</summary>
    public sealed record ExpectedParts(string Messages, string PendingToolCalls, string ToolsDict, string ToolSchemas, string AgentConfig, string ClientTools);
}
