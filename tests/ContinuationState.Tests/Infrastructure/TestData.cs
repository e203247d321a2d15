using Npgsql;

namespace ContinuationState.Tests.Infrastructure;

/// <summary>Realistic snapshots, conversations and direct SQL for arranging and asserting on rows.</summary>
internal static class TestData
{
    public static ContinuationSnapshot Snapshot(string marker = "hello") => new(
        Messages: new object[]
        {
            new { role = "user", content = marker },
            new { role = "assistant", content = (string?)null, tool_calls = new[] { new { id = "call_1", name = "send_email" } } },
        },
        PendingToolCalls: new[] { new { call_id = "call_1", name = "send_email", arguments = new { to = "a@example.com" } } },
        ToolsDict: new Dictionary<string, object> { ["send_email"] = new { requires_approval = true } },
        ToolSchemas: new[] { new { type = "function", name = "send_email" } },
        AgentConfig: new { agent_id = "agent-1", model = "scripted" },
        ClientTools: null);

    public static async Task<Guid> CreateConversationAsync(NpgsqlDataSource dataSource, string userId = "user-a", string? legacyId = null)
    {
        await using var connection = await dataSource.OpenConnectionAsync();
        var conversation = await new ConversationsRepository(connection).CreateAsync(userId, "test", legacyId);
        return conversation.Id;
    }

    /// <summary>
    /// Every statement of a pause's life, three times, one call at a time (so calls in a row reuse the pool's idle
    /// connection), asserting each one did its part.
    /// </summary>
    public static async Task RunPauseCyclesAsync(NpgsqlDataSource dataSource, IContinuationService service)
    {
        var conversation = (await CreateConversationAsync(dataSource)).ToString();
        for (var i = 0; i < 3; i++)
        {
            await service.SaveStateAsync(conversation, "user-a", Snapshot($"round {i}"));
            Assert.Equal($"round {i}", (await service.LoadStateAsync(conversation, "user-a"))!.Messages[0].GetProperty("content").GetString());
            Assert.NotNull(await service.ClaimStateAsync(conversation, "user-a"));
            Assert.True(await service.ReleaseClaimAsync(conversation, "user-a"));
            Assert.True(await service.DeleteStateAsync(conversation, "user-a"));
        }
    }

    public static string NewLegacyId() => Guid.NewGuid().ToString("N")[..24];

    public static async Task<T?> ScalarAsync<T>(NpgsqlDataSource dataSource, string sql, params object[] parameters)
    {
        await using var command = dataSource.CreateCommand(sql);
        foreach (var parameter in parameters)
        {
            command.Parameters.Add(new NpgsqlParameter { Value = parameter });
        }

        var value = await command.ExecuteScalarAsync();
        return value is null or DBNull ? default : (T)value;
    }

    public static async Task<int> ExecuteAsync(NpgsqlDataSource dataSource, string sql, params object[] parameters)
    {
        await using var command = dataSource.CreateCommand(sql);
        foreach (var parameter in parameters)
        {
            command.Parameters.Add(new NpgsqlParameter { Value = parameter });
        }

        return await command.ExecuteNonQueryAsync();
    }

    public static async Task<long> RowCountAsync(NpgsqlDataSource dataSource)
        => await ScalarAsync<long>(dataSource, "SELECT count(*) FROM pending_tool_state");
}
