using System.Text.Json;
using System.Text.Json.Serialization;
using AgentHost.Agent;
using AgentHost.Endpoints;
using AgentHost.Security;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.DataProtection;

namespace AgentHost;

internal static class AgentHostServiceCollectionExtensions
{
    /// <summary>The scripted agent, its tools, the X-User-Id sign-in, and snake_case JSON as DocsGPT's clients expect.</summary>
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
        services.AddSingleton<ScriptedAgent>();
        services.AddSingleton<IToolExecutor, ScriptedToolExecutor>();
        return services;
    }
}
