namespace ContinuationState.Internal;

/// <summary>Npgsql counts command timeouts in whole seconds; a fraction rounds up so a timeout is never shorter than asked.</summary>
internal static class CommandTimeouts
{
    public static int? Seconds(TimeSpan? timeout) => timeout is { } t ? (int)Math.Ceiling(t.TotalSeconds) : null;
}
