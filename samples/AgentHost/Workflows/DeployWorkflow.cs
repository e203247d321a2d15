using Microsoft.Agents.AI.Workflows;
using Microsoft.Extensions.Options;
using Npgsql;

namespace AgentHost.Workflows;

/// <summary>
/// The sample's Agent Framework workflow: a deployment that asks a person first. Its start is a <c>RequestPort</c>
/// "approve" (the target goes out, "approve" or anything else comes back); the step after it deploys, which here
/// means recording the deployment in <c>sample_deployments</c> (the side effect that must happen once) after
/// <c>AgentHost:ToolLatency</c>, and yields what it did.
/// </summary>
internal sealed class DeployWorkflow(NpgsqlDataSource dataSource, IOptions<AgentHostOptions> options)
{
    public const string ApprovePort = "approve";

    // The sample's own table, as a host keeps its own records beside the library's.
    private const string CreateTableSql = """
        CREATE TABLE IF NOT EXISTS sample_deployments (
            conversation_id UUID NOT NULL,
            target          TEXT NOT NULL,
            deployed_at     TIMESTAMPTZ NOT NULL DEFAULT clock_timestamp()
        )
        """;

    public async Task CreateTableAsync(CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand(CreateTableSql);
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    /// <summary>The workflow for one conversation (built per run, as a new process would build it).</summary>
    public Workflow Build(Guid conversationId, string target)
    {
        var approve = RequestPort.Create<string, string>(ApprovePort);
        var deploy = new FunctionExecutor<string>(
            "deploy",
            async (answer, context, cancellationToken) =>
            {
                if (answer != "approve")
                {
                    await context.YieldOutputAsync($"not deployed: {answer}", cancellationToken);
                    return;
                }

                await Task.Delay(options.Value.ToolLatency, cancellationToken);
                await using var command = dataSource.CreateCommand("INSERT INTO sample_deployments (conversation_id, target) VALUES ($1, $2)");
                command.Parameters.Add(new NpgsqlParameter<Guid> { TypedValue = conversationId });
                command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = target });
                await command.ExecuteNonQueryAsync(cancellationToken);
                await context.YieldOutputAsync($"deployed {target}", cancellationToken);
            },
            outputTypes: [typeof(string)]);
        return new WorkflowBuilder(approve).AddEdge(approve, deploy).WithOutputFrom(deploy).Build();
    }
}
