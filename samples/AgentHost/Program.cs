// The sample agent host: streams an IChatClient pipeline's answer (function invocation over a scripted model, or an
// OpenAI-compatible one when AgentHost:OpenAI is set) over Server-Sent Events, pauses for tool approval (or a
// client-side tool) by saving the turn with ContinuationState.Extensions.AI, and resumes it on any instance, after a restart.
// Run it with ./build.sh demo, or: ConnectionStrings__agents="Host=...;Username=...;Database=..." dotnet run
// GET / serves the approval page (wwwroot/): a person chats, approves or denies, and comes back to a pause later.
// POST /workflows/deploy and /workflows/{id}/approve: an Agent Framework workflow paused for approval, resumed exactly once.
using AgentHost;
using AgentHost.Endpoints;
using AgentHost.Workflows;
using ContinuationState;

var builder = WebApplication.CreateBuilder(args);

// The page's files stay in the project's wwwroot/ until publish. Development finds them there by itself; this finds
// them from a build output in any environment (dotnet bin/Release/net10.0/AgentHost.dll, as ./build.sh demo and the
// browser tests run it). A published host has wwwroot/ beside it and no manifest, so this does nothing there.
if (!builder.Environment.IsDevelopment())
{
    builder.WebHost.UseStaticWebAssets();
}

builder.Services.AddContinuationState(options =>
    options.ConnectionString = builder.Configuration.GetConnectionString("agents")
        ?? Environment.GetEnvironmentVariable("CONTINUATIONSTATE_CONNECTION"));
// Purges expired pauses and reverts abandoned claims; ContinuationState:Maintenance:Interval etc. tune it.
builder.Services.AddContinuationStateMaintenance(builder.Configuration.GetSection("ContinuationState:Maintenance").Bind);
builder.Services.AddHealthChecks().AddContinuationState();
builder.Services.AddAgentHost(builder.Configuration);

var app = builder.Build();
await app.Services.GetRequiredService<ContinuationStateMigrator>().MigrateAsync();
await app.Services.GetRequiredService<DeployWorkflow>().CreateTableAsync(CancellationToken.None);

app.UseDefaultFiles();
app.UseStaticFiles();
app.UseAuthentication();
app.UseAuthorization();
app.MapHealthChecks("/healthz");
app.MapConversations();
app.MapWorkflows();

await app.RunAsync();
