using System.Text.Json;

namespace ContinuationState.Extensions.AI.Workflows;

/// <summary>A request a paused workflow waits for, as the pause stored it: answer it with <see cref="CreateResponse"/>.</summary>
/// <param name="RequestId">The request's id (<c>ExternalRequest.RequestId</c>); the resumed run asks it again under the same id.</param>
/// <param name="PortId">The <c>RequestPort</c> that asked.</param>
/// <param name="Data">What the workflow sent with the request, as JSON; null when it could not be kept.</param>
public sealed record WorkflowRequest(string RequestId, string PortId, JsonElement? Data)
{
    /// <summary>The answer to this request.</summary>
    /// <param name="data">The response, of the type the port expects.</param>
    /// <returns>A response bound to this request and port.</returns>
    public WorkflowResponse CreateResponse(object? data) => new(RequestId, PortId, data);
}

/// <summary>An answer to one stored <see cref="WorkflowRequest"/>, by request id and port.</summary>
/// <param name="RequestId">The request answered.</param>
/// <param name="PortId">The port it was asked on; a response for another port is refused.</param>
/// <param name="Data">The response, of the type the port expects.</param>
public sealed record WorkflowResponse(string RequestId, string PortId, object? Data);
