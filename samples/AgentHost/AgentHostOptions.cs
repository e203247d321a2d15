namespace AgentHost;

/// <summary>The sample host's settings, bound from the <c>AgentHost</c> configuration section.</summary>
internal sealed class AgentHostOptions
{
    public const string Section = "AgentHost";

    /// <summary>How long a pause waits for the user; null uses the library's <c>DefaultTtl</c> (30 minutes).</summary>
    public TimeSpan? PauseTtl { get; set; }

    /// <summary>Delay between streamed tokens of the scripted model, so a person watching sees them arrive. Zero in tests.</summary>
    public TimeSpan TokenDelay { get; set; }

    /// <summary>How long the scripted server-side tool takes, as a real e-mail send would. Zero in tests.</summary>
    public TimeSpan ToolLatency { get; set; }

    /// <summary>An OpenAI-compatible model instead of the scripted one; used only when all three are set.</summary>
    public OpenAIModelOptions OpenAI { get; set; } = new();
}

/// <summary>
/// <c>AgentHost:OpenAI</c> (or <c>AgentHost__OpenAI__Endpoint</c>, <c>__ApiKey</c>, <c>__Model</c> in the environment):
/// an OpenAI-compatible chat completions endpoint (OpenAI, Azure OpenAI's v1 route, Ollama, vLLM, LM Studio...).
/// </summary>
internal sealed class OpenAIModelOptions
{
    /// <summary>The API's base address, e.g. <c>https://api.openai.com/v1</c> or <c>http://localhost:11434/v1</c>.</summary>
    public Uri? Endpoint { get; set; }

    /// <summary>The API key (any non-empty value for a local server that takes none).</summary>
    public string? ApiKey { get; set; }

    /// <summary>The model id, e.g. <c>gpt-4o-mini</c>.</summary>
    public string? Model { get; set; }

    public bool IsConfigured => Endpoint is not null && !string.IsNullOrWhiteSpace(ApiKey) && !string.IsNullOrWhiteSpace(Model);
}
