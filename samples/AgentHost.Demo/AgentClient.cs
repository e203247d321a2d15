using System.Net;
using System.Net.Http.Json;
using System.Net.ServerSentEvents;
using System.Text.Json;

namespace AgentHost.Demo;

/// <summary>What one streaming request answered: the status, and the SSE events or the error body.</summary>
internal sealed record Turn(HttpStatusCode Status, IReadOnlyList<SseItem<string>> Events, string Body)
{
    public SseItem<string>? Last => Events.Count == 0 ? null : Events[^1];

    public string? LastEvent => Last?.EventType;

    public JsonElement LastData => JsonDocument.Parse(Last?.Data ?? "null").RootElement;

    public string Answer => string.Concat(Events.Where(e => e.EventType == "token").Select(e => JsonDocument.Parse(e.Data).RootElement.GetProperty("text").GetString()));
}

/// <summary>The scripted client: the HTTP calls a browser or a chat app would make.</summary>
internal sealed class AgentClient(Uri address) : IDisposable
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower };
    private readonly HttpClient _http = new() { BaseAddress = address, Timeout = TimeSpan.FromSeconds(30) };

    public async Task<(HttpStatusCode Status, JsonElement Body)> CreateConversationAsync(string user, string name, string? legacyId = null)
    {
        using var request = Request(HttpMethod.Post, "/conversations", user, new { name, legacy_id = legacyId });
        using var response = await _http.SendAsync(request);
        return (response.StatusCode, await response.Content.ReadFromJsonAsync<JsonElement>());
    }

    public async Task<(HttpStatusCode Status, string Body)> GetPendingAsync(string conversation, string user)
    {
        using var request = Request(HttpMethod.Get, $"/conversations/{conversation}/pending", user, null);
        using var response = await _http.SendAsync(request);
        return (response.StatusCode, await response.Content.ReadAsStringAsync());
    }

    public async Task<Turn> StreamAsync(string conversation, string user, string message, object[]? clientTools = null, Action<SseItem<string>>? onEvent = null)
    {
        using var response = await OpenAsync(Request(HttpMethod.Post, $"/conversations/{conversation}/stream", user, new { message, client_tools = clientTools }));
        return await ReadAsync(response, onEvent);
    }

    public async Task<Turn> ResumeAsync(string conversation, string user, object[] actions, Action<SseItem<string>>? onEvent = null)
    {
        using var response = await OpenResumeAsync(conversation, user, actions);
        return await ReadAsync(response, onEvent);
    }

    /// <summary>A resume with an <c>Idempotency-Key</c>: a retry gets the first outcome instead of running again.</summary>
    public async Task<Turn> ResumeWithKeyAsync(string conversation, string user, object[] actions, string idempotencyKey, Action<SseItem<string>>? onEvent = null)
    {
        var request = Request(HttpMethod.Post, $"/conversations/{conversation}/resume", user, new { actions });
        request.Headers.Add("Idempotency-Key", idempotencyKey);
        using var response = await OpenAsync(request);
        return await ReadAsync(response, onEvent);
    }

    /// <summary>Sends a resume and returns once the status line is in: a 200 means this request holds the claim.</summary>
    public Task<HttpResponseMessage> OpenResumeAsync(string conversation, string user, object[] actions)
        => OpenAsync(Request(HttpMethod.Post, $"/conversations/{conversation}/resume", user, new { actions }));

    public static async Task<Turn> ReadAsync(HttpResponseMessage response, Action<SseItem<string>>? onEvent = null)
    {
        if (response.Content.Headers.ContentType?.MediaType != "text/event-stream")
        {
            return new Turn(response.StatusCode, [], await response.Content.ReadAsStringAsync());
        }

        var events = new List<SseItem<string>>();
        await using var stream = await response.Content.ReadAsStreamAsync();
        await foreach (var item in SseParser.Create(stream).EnumerateAsync())
        {
            events.Add(item);
            onEvent?.Invoke(item);
        }

        return new Turn(response.StatusCode, events, "");
    }

    /// <summary>A JSON POST (the workflow routes): its status and body, with an <c>Idempotency-Key</c> when given.</summary>
    public async Task<(HttpStatusCode Status, string Body)> PostAsync(string path, string user, object body, string? idempotencyKey = null)
    {
        using var request = Request(HttpMethod.Post, path, user, body);
        if (idempotencyKey is not null)
        {
            request.Headers.Add("Idempotency-Key", idempotencyKey);
        }

        using var response = await _http.SendAsync(request);
        return (response.StatusCode, await response.Content.ReadAsStringAsync());
    }

    public void Dispose() => _http.Dispose();

    private static HttpRequestMessage Request(HttpMethod method, string path, string user, object? body)
    {
        var request = new HttpRequestMessage(method, new Uri(path, UriKind.Relative));
        request.Headers.Add("X-User-Id", user);
        if (body is not null)
        {
            request.Content = JsonContent.Create(body, options: Json);
        }

        return request;
    }

    private async Task<HttpResponseMessage> OpenAsync(HttpRequestMessage request)
    {
        using (request)
        {
            return await _http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
        }
    }
}
