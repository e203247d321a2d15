using AgentHost.Agent;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace ContinuationState.Tests.AgentHost;

/// <summary>
/// The sample host in-process over a test class's database, with a tool executor the test controls. Two factories
/// over one database are two replicas; disposing one and creating another is a restart. <c>settings</c> adds
/// configuration keys (e.g. <c>AgentHost:OpenAI:Model</c>).
/// </summary>
internal sealed class AgentHostFactory(string connectionString, TestToolExecutor tools, IReadOnlyDictionary<string, string>? settings = null) : WebApplicationFactory<Program>
{
    public AgentClient CreateAgentClient() => new(CreateClient());

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseSetting("ConnectionStrings:agents", connectionString);
        foreach (var (key, value) in settings ?? new Dictionary<string, string>())
        {
            builder.UseSetting(key, value);
        }

        builder.ConfigureLogging(logging => logging.ClearProviders());
        builder.ConfigureTestServices(services => services.AddSingleton<IToolExecutor>(tools));
    }
}
