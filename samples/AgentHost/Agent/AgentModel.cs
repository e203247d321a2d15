using System.ClientModel;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Options;
using OpenAI;

namespace AgentHost.Agent;

/// <summary>The model under the pipeline: the scripted one, unless <c>AgentHost:OpenAI</c> names a real one.</summary>
internal static class AgentModel
{
    public static IChatClient Create(IServiceProvider services)
    {
        var settings = services.GetRequiredService<IOptions<AgentHostOptions>>().Value.OpenAI;
        if (!settings.IsConfigured)
        {
            return services.GetRequiredService<ScriptedChatClient>();
        }

        // Microsoft.Extensions.AI.OpenAI over the OpenAI SDK's chat completions client; the endpoint makes it any
        // OpenAI-compatible server. Not exercised by the tests (they stay offline): set it to talk to a real model.
        var client = new OpenAIClient(new ApiKeyCredential(settings.ApiKey!), new OpenAIClientOptions { Endpoint = settings.Endpoint });
        return client.GetChatClient(settings.Model).AsIChatClient();
    }
}
