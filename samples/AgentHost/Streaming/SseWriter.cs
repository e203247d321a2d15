using System.Text.Json;
using Microsoft.AspNetCore.Http.Features;

namespace AgentHost.Streaming;

/// <summary>
/// Writes Server-Sent Events (<c>event:</c> + one-line JSON <c>data:</c>), flushing each so tokens reach the
/// client as they are produced.
/// </summary>
internal sealed class SseWriter
{
    private readonly HttpResponse _response;
    private readonly JsonSerializerOptions _json;

    private SseWriter(HttpResponse response, JsonSerializerOptions json)
    {
        _response = response;
        _json = json;
    }

    public static async Task<SseWriter> StartAsync(HttpContext context, JsonSerializerOptions json)
    {
        context.Features.Get<IHttpResponseBodyFeature>()?.DisableBuffering();
        context.Response.StatusCode = StatusCodes.Status200OK;
        context.Response.ContentType = "text/event-stream";
        context.Response.Headers.CacheControl = "no-cache";
        await context.Response.StartAsync(context.RequestAborted);
        // StartAsync only queues the status line and headers: flush them, so the client knows at once that the
        // stream (and, for a resume, the claim) is under way, even while a slow tool runs before the first event.
        await context.Response.Body.FlushAsync(context.RequestAborted);
        return new SseWriter(context.Response, json);
    }

    public async Task WriteAsync<T>(string eventName, T payload, CancellationToken cancellationToken)
    {
        // Unindented JSON has no raw line breaks, so one data: line always holds it.
        var data = JsonSerializer.Serialize(payload, _json);
        await _response.WriteAsync($"event: {eventName}\ndata: {data}\n\n", cancellationToken);
        await _response.Body.FlushAsync(cancellationToken);
    }
}
