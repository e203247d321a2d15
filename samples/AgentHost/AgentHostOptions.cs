namespace AgentHost;

/// <summary>The sample host's settings, bound from the <c>AgentHost</c> configuration section.</summary>
internal sealed class AgentHostOptions
{
    public const string Section = "AgentHost";

    /// <summary>How long a pause waits for the user; null uses the library's <c>DefaultTtl</c> (30 minutes).</summary>
    public TimeSpan? PauseTtl { get; set; }

    /// <summary>Delay between streamed tokens, so a person watching sees them arrive. Zero in tests.</summary>
    public TimeSpan TokenDelay { get; set; }

    /// <summary>How long the scripted server-side tool takes, as a real e-mail send would. Zero in tests.</summary>
    public TimeSpan ToolLatency { get; set; }
}
