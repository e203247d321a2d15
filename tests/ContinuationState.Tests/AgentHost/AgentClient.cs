using System.Net;
using System.Net.Http.Json;
using System.Net.ServerSentEvents;
using System.Text.Json;

namespace ContinuationState.Tests.AgentHost;

/// <summary>What a streaming route answered: the status, and the SSE events or the error body.</summary>
internal sealed record Turn(HttpStatusCode Status, IReadOnlyList<SseItem<string>> Events, string Body)
{
    public string? LastEvent => Events.Count == 0 ? null : Events[^1].EventType;

    public JsonElement LastData => JsonDocument.Parse(Events[^1].Data).RootElement;

    public IEnumerable<string> EventTypes => Events.Select(e => e.EventType);

    public string Answer => string.Concat(Events.Where(e => e.EventType == "token").Select(e => JsonDocument.Parse(e.Data).RootElement.GetProperty("text").GetString()));
}

/// <summary>The host's routes as a client calls them, with the user in <c>X-User-Id</c>.</summary>
internal sealed class AgentClient(HttpClient http) : IDisposable
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower };

    public static readonly object[] Approve = [new { call_id = "call_1", decision = "approve" }];

    public static readonly object[] Deny = [new { call_id = "call_1", decision = "deny" }];

    public HttpClient Http => http;

    public async Task<string> CreateConversationAsync(string user, string? legacyId = null)
    {
        using var response = await SendAsync(HttpMethod.Post, "/conversations", user, new { name = "test", legacy_id = legacyId });
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        return (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString()!;
    }

    public async Task<Turn> StreamAsync(string conversation, string user, string message = "Send the report to the team.", object[]? clientTools = null)
        => await ReadAsync(await SendAsync(HttpMethod.Post, $"/conversations/{conversation}/stream", user, new { message, client_tools = clientTools }));

    public async Task<Turn> ResumeAsync(string conversation, string user, object[] actions, CancellationToken cancellationToken = default)
        => await ReadAsync(await SendAsync(HttpMethod.Post, $"/conversations/{conversation}/resume", user, new { actions }, cancellationToken), cancellationToken);

    /// <summary>A resume with an <c>Idempotency-Key</c>: the answer is a stream, or JSON for 202 / a completed receipt.</summary>
    public async Task<Turn> ResumeWithKeyAsync(string conversation, string user, object[] actions, string idempotencyKey)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, $"/conversations/{conversation}/resume");
        request.Headers.Add("X-User-Id", user);
        request.Headers.Add("Idempotency-Key", idempotencyKey);
        request.Content = JsonContent.Create(new { actions }, options: Json);
        return await ReadAsync(await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead));
    }

    public async Task<(HttpStatusCode Status, string Body)> GetPendingAsync(string conversation, string user)
    {
        using var response = await SendAsync(HttpMethod.Get, $"/conversations/{conversation}/pending", user, null);
        return (response.StatusCode, await response.Content.ReadAsStringAsync());
    }

    public async Task<HttpResponseMessage> SendAsync(HttpMethod method, string path, string? user, object? body, CancellationToken cancellationToken = default)
    {
        using var request = new HttpRequestMessage(method, path);
        if (user is not null)
        {
            request.Headers.Add("X-User-Id", user);
        }

        if (body is not null)
        {
            request.Content = JsonContent.Create(body, options: Json);
        }

        return await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
    }

    public void Dispose() => http.Dispose();

    private static async Task<Turn> ReadAsync(HttpResponseMessage response, CancellationToken cancellationToken = default)
    {
        using (response)
        {
            if (response.Content.Headers.ContentType?.MediaType != "text/event-stream")
            {
                return new Turn(response.StatusCode, [], await response.Content.ReadAsStringAsync(cancellationToken));
            }

            var events = new List<SseItem<string>>();
            await using var stream = await response.Content.ReadAsStreamAsync(cancellationToken);
            await foreach (var item in SseParser.Create(stream).EnumerateAsync(cancellationToken))
            {
                events.Add(item);
            }

            return new Turn(response.StatusCode, events, "");
        }
    }
}
