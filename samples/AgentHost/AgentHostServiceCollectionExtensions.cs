using System.Text.Json;
using System.Text.Json.Serialization;
using AgentHost.Agent;
using AgentHost.Endpoints;
using AgentHost.Security;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.Extensions.AI;

namespace AgentHost;

internal static class AgentHostServiceCollectionExtensions
{
    /// <summary>The agent (an IChatClient pipeline with function invocation over the scripted or a configured model), its tools, the X-User-Id sign-in, and snake_case JSON as DocsGPT's clients expect.</summary>
    public static IServiceCollection AddAgentHost(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<AgentHostOptions>().Bind(configuration.GetSection(AgentHostOptions.Section));
        services.ConfigureHttpJsonOptions(options =>
        {
            options.SerializerOptions.PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower;
            options.SerializerOptions.DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull;
        });

        services.AddAuthentication(UserIdHeaderAuthenticationHandler.SchemeName)
            .AddScheme<AuthenticationSchemeOptions, UserIdHeaderAuthenticationHandler>(UserIdHeaderAuthenticationHandler.SchemeName, configureOptions: null);
        services.AddAuthorization();

        // Authentication brings data protection; nothing here encrypts a cookie, so keep its keys in memory
        // rather than writing them to the user's profile.
        services.AddDataProtection().UseEphemeralDataProtectionProvider();

        services.AddSingleton<OwnedConversations>();
        services.AddSingleton<IToolExecutor, ScriptedToolExecutor>();
        services.AddSingleton<SendEmailFunction>();
        services.AddSingleton<ScriptedChatClient>();
        // The pipeline: FunctionInvokingChatClient over the model. A failing tool ends the turn with its exception
        // (MaximumConsecutiveErrorsPerRequest = 0) rather than being retried by the model, so the resume is rolled back
        // and the user can answer again.
        services.AddChatClient(AgentModel.Create)
            .UseFunctionInvocation(configure: invoker => invoker.MaximumConsecutiveErrorsPerRequest = 0);
        services.AddSingleton<ChatAgent>();
        // The deployment workflow (Agent Framework), its checkpoints in PostgreSQL (ContinuationState.Extensions.AI.Workflows).
        services.AddContinuationStateWorkflows();
        services.AddSingleton<Workflows.DeployWorkflow>();
        return services;
    }
}
