using Npgsql;
using static ContinuationState.Tests.HighAvailability.FailoverLedger;

namespace ContinuationState.Tests.HighAvailability;

/// <summary>Checks the ledger against the new primary: every acknowledged outcome, byte for byte.</summary>
internal static class FailoverVerifier
{
    /// <summary>One line per acknowledged outcome that the new primary does not hold.</summary>
    public static async Task<IReadOnlyList<string>> LostAsync(NpgsqlDataSource dataSource, FailoverLedger ledger)
    {
        var lost = new List<string>();
        await using var connection = await dataSource.OpenConnectionAsync();
        foreach (var (conversation, expected) in ledger.Expectations)
        {
            var problem = await CheckStateAsync(connection, conversation, expected);
            if (problem is not null)
            {
                lost.Add($"{conversation}: {problem}");
            }
        }

        foreach (var (conversation, resumeId, marker) in ledger.Receipts)
        {
            await using var command = new NpgsqlCommand(
                "SELECT status, outcome->>'marker' FROM resume_receipts WHERE conversation_id = $1 AND user_id = 'user-ha' AND resume_id = $2", connection);
            command.Parameters.Add(new NpgsqlParameter { Value = conversation });
            command.Parameters.Add(new NpgsqlParameter { Value = resumeId });
            await using var reader = await command.ExecuteReaderAsync();
            if (!await reader.ReadAsync())
            {
                lost.Add($"{conversation}: the receipt of {resumeId} is gone");
            }
            else if (reader.GetString(0) != "completed" || reader.IsDBNull(1) || reader.GetString(1) != marker)
            {
                lost.Add($"{conversation}: the receipt of {resumeId} is {reader.GetString(0)}, not the completed one");
            }
        }

        return lost;
    }

    /// <summary>Pauses won by more than one caller (each winning claim was logged with its token).</summary>
    public static IReadOnlyList<string> DoubleClaims(FailoverLedger ledger)
        => ledger.WinningClaims.GroupBy(c => c.Marker)
            .Where(g => g.Count() > 1)
            .Select(g => $"{g.Key}: won {g.Count()} times ({string.Join(", ", g.Select(c => $"{c.How} {c.Token}"))})")
            .ToList();

    private static async Task<string?> CheckStateAsync(NpgsqlConnection connection, Guid conversation, Expected expected)
    {
        // The stored JSON against the JSON the save sent, as jsonb text on the server: equal text is equal bytes.
        await using var command = new NpgsqlCommand("""
            SELECT status, claim_token, resume_id, messages->0->>'content',
                   messages::text = $2::jsonb::text AND pending_tool_calls::text = $3::jsonb::text
                   AND tools_dict::text = $4::jsonb::text AND tool_schemas::text = $5::jsonb::text
                   AND agent_config::text = $6::jsonb::text
                   AND coalesce(client_tools, 'null'::jsonb)::text = $7::jsonb::text
            FROM pending_tool_state WHERE conversation_id = $1 AND user_id = 'user-ha'
            """, connection);
        command.Parameters.Add(new NpgsqlParameter { Value = conversation });
        var parts = expected switch
        {
            Pending p => p.Parts,
            Resuming r => r.Parts,
            _ => new ExpectedParts("null", "null", "null", "null", "null", "null"),
        };
        foreach (var json in new[] { parts.Messages, parts.PendingToolCalls, parts.ToolsDict, parts.ToolSchemas, parts.AgentConfig, parts.ClientTools })
        {
            command.Parameters.Add(new NpgsqlParameter { Value = json });
        }

        await using var reader = await command.ExecuteReaderAsync();
        var found = await reader.ReadAsync();
        switch (expected)
        {
            case Absent:
                return found ? $"acknowledged as deleted or completed, but a {reader.GetString(0)} row holding {reader.GetString(3)} is there" : null;
            case Pending p:
                if (!found)
                {
                    return $"acknowledged pause {p.Marker} is gone";
                }

                if (reader.GetString(0) != "pending" || reader.GetString(3) != p.Marker)
                {
                    return $"acknowledged pending pause {p.Marker}, found {reader.GetString(0)} {reader.GetString(3)}";
                }

                return reader.GetBoolean(4) ? null : $"pause {p.Marker} is there but its JSON differs from what was saved";
            case Resuming r:
                if (!found)
                {
                    return $"acknowledged claim of {r.Marker} is gone with its pause";
                }

                if (reader.GetString(0) != "resuming" || reader.IsDBNull(1) || reader.GetGuid(1) != r.Token ||
                    (reader.IsDBNull(2) ? null : reader.GetString(2)) != r.ResumeId || reader.GetString(3) != r.Marker)
                {
                    return $"acknowledged claim {r.Token} of {r.Marker}, found {reader.GetString(0)} with token {(reader.IsDBNull(1) ? "none" : reader.GetGuid(1))}";
                }

                return reader.GetBoolean(4) ? null : $"claimed pause {r.Marker} is there but its JSON differs from what was saved";
            default:
                return "unknown expectation";
        }
    }
}
