// The sample agent host: streams a scripted agent's answer over Server-Sent Events, pauses for tool approval
// (or a client-side tool) by saving the continuation state, and resumes it on any instance, after a restart.
// Run it with ./build.sh demo, or: ConnectionStrings__agents="Host=...;Username=...;Database=..." dotnet run
using AgentHost;
using AgentHost.Endpoints;
using ContinuationState;

var builder = WebApplication.CreateBuilder(args);

builder.Services.AddContinuationState(options =>
    options.ConnectionString = builder.Configuration.GetConnectionString("agents")
        ?? Environment.GetEnvironmentVariable("CONTINUATIONSTATE_CONNECTION"));
builder.Services.AddContinuationStateMaintenance();   // purges expired pauses, reverts abandoned claims
builder.Services.AddHealthChecks().AddContinuationState();
builder.Services.AddAgentHost(builder.Configuration);

var app = builder.Build();
await app.Services.GetRequiredService<ContinuationStateMigrator>().MigrateAsync();

app.UseAuthentication();
app.UseAuthorization();
app.MapHealthChecks("/healthz");
app.MapConversations();

await app.RunAsync();
