// The sample agent host's scripted pause and resume: an agent streams, pauses for a tool approval, a second
// "replica" resumes it, a duplicate resume is refused, and the state is gone at the end.
// Run it with ./build.sh demo (a throwaway PostgreSQL) or set CONTINUATIONSTATE_CONNECTION.
using ContinuationState;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

var connectionString = Environment.GetEnvironmentVariable("CONTINUATIONSTATE_CONNECTION");
if (string.IsNullOrWhiteSpace(connectionString))
{
    Console.Error.WriteLine("Set CONTINUATIONSTATE_CONNECTION, or run ./build.sh demo to get a throwaway PostgreSQL.");
    return 2;
}

var failures = 0;
void Check(bool ok, string step)
{
    Console.WriteLine($"  [{(ok ? "ok" : "FAIL")}] {step}");
    failures += ok ? 0 : 1;
}

ServiceProvider StartReplica() => new ServiceCollection()
    .AddLogging(b => b.AddSimpleConsole(o => o.SingleLine = true).SetMinimumLevel(LogLevel.Warning))
    .AddContinuationState(o => o.ConnectionString = connectionString)
    .BuildServiceProvider();

await using (var replica = StartReplica())
{
    var applied = await replica.GetRequiredService<ContinuationStateMigrator>().MigrateAsync();
    Console.WriteLine($"migrations applied: {(applied.Count == 0 ? "none (up to date)" : string.Join(", ", applied))}");
}

string conversationId;
const string user = "demo-user";
await using (var replicaA = StartReplica())
{
    var dataSource = replicaA.GetRequiredService<Npgsql.NpgsqlDataSource>();
    await using var connection = await dataSource.OpenConnectionAsync();
    conversationId = (await new ConversationsRepository(connection).CreateAsync(user, "Demo")).Id.ToString();

    Console.WriteLine($"\nreplica A  > user: email the report to Ana   (conversation {conversationId})");
    Console.WriteLine("replica A  < assistant: I'll send that now. [tool call send_email needs approval]");
    var service = replicaA.GetRequiredService<IContinuationService>();
    await service.SaveStateAsync(conversationId, user, new ContinuationSnapshot(
        Messages: new[] { new { role = "user", content = "email the report to Ana" } },
        PendingToolCalls: new[] { new { call_id = "call_1", name = "send_email", arguments = new { to = "ana@example.com" } } },
        ToolsDict: new { send_email = new { requires_approval = true } },
        ToolSchemas: new[] { new { type = "function", name = "send_email" } },
        AgentConfig: new { agent = "scripted" }));
    Check(await service.LoadStateAsync(conversationId, user) is not null, "paused: state saved, stream ended");
}

Console.WriteLine("\nreplica A stopped; replica B starts and the user approves");
await using (var replicaB = StartReplica())
{
    var service = replicaB.GetRequiredService<IContinuationService>();
    var claimed = await service.ClaimStateAsync(conversationId, user);
    Check(claimed is not null, "replica B claimed the state");
    try
    {
        await service.ClaimStateAsync(conversationId, user);
        Check(false, "a duplicate resume is refused");
    }
    catch (ResumeInProgressException e)
    {
        Check(e.Message == ResumeInProgressException.DefaultMessage, $"a duplicate resume is refused: \"{e.Message}\"");
    }

    Console.WriteLine("replica B  < tool send_email ran: sent");
    Console.WriteLine("replica B  < assistant: Done, the report is on its way to Ana.");
    Check(await service.DeleteStateAsync(conversationId, user), "resume finished: state deleted");
    Check(await service.LoadStateAsync(conversationId, user) is null, "nothing left to resume");
}

Console.WriteLine(failures == 0 ? "\ndemo passed" : $"\ndemo FAILED ({failures} step(s))");
return failures == 0 ? 0 : 1;
