using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using ContinuationState.Internal;

namespace ContinuationState.Extensions.AI.Agents.Internal;

/// <summary>
/// Where one agent session lives: the store's user, the agent's id, the session id, and the partitions as a JSON
/// object (names in ordinal order, though the database compares it as jsonb, so the order never matters). Built only
/// through <see cref="Create"/>, which refuses what PostgreSQL cannot store or index before anything is sent.
/// </summary>
internal sealed record AgentSessionKey(string UserId, string AgentId, string SessionId, string PartitionsJson)
{
    /// <summary>Longer agent ids and session ids are refused (the framework's own are GUIDs).</summary>
    public const int MaxIdLength = 200;

    /// <summary>More partitions than this are a bug, not a key.</summary>
    public const int MaxPartitions = 16;

    /// <summary>
    /// The whole key is one primary-key entry, which PostgreSQL caps at about 2.7 kB; refused above this many UTF-8
    /// bytes (user id, agent id, session id and the partitions' JSON together).
    /// </summary>
    public const int MaxKeyBytes = 2000;

    public static AgentSessionKey Create(string userId, string? agentId, string sessionId, IReadOnlyDictionary<string, string>? partitions, string agentParameter, string keyParameter)
    {
        Id(agentId, "Agent id", agentParameter);
        Id(sessionId, "Session id", keyParameter);

        var partitionsJson = "{}";
        if (partitions is { Count: > 0 })
        {
            if (partitions.Count > MaxPartitions)
            {
                throw new ArgumentException($"The key has {partitions.Count} partitions; at most {MaxPartitions} are allowed.", keyParameter);
            }

            var sorted = partitions.OrderBy(static p => p.Key, StringComparer.Ordinal).ToList();
            foreach (var (name, value) in sorted)
            {
                if (string.IsNullOrWhiteSpace(name) || string.IsNullOrWhiteSpace(value))
                {
                    throw new ArgumentException("Partition names and values must not be empty or whitespace.", keyParameter);
                }

                Guard.StorableText(name, "A partition name", keyParameter);
                Guard.StorableText(value, $"Partition '{Guard.Shorten(name)}'", keyParameter);
            }

            // The default encoder, as a plain Utf8JsonWriter has: the text, and its bytes counted below, are unchanged.
            partitionsJson = new JsonObject(sorted.Select(static p => KeyValuePair.Create(p.Key, (JsonNode?)p.Value))).ToJsonString();
        }

        var bytes = Encoding.UTF8.GetByteCount(userId) + Encoding.UTF8.GetByteCount(agentId!)
            + Encoding.UTF8.GetByteCount(sessionId) + Encoding.UTF8.GetByteCount(partitionsJson);
        if (bytes > MaxKeyBytes)
        {
            throw new ArgumentException(
                $"The session's key (user id, agent id, session id and partitions) is {bytes} bytes of UTF-8; at most {MaxKeyBytes} are allowed.",
                keyParameter);
        }

        return new AgentSessionKey(userId, agentId!, sessionId, partitionsJson);
    }

    /// <summary>Reads a stored partitions object back (for the keys a purge returns).</summary>
    public static IReadOnlyDictionary<string, string> ReadPartitions(string json)
    {
        var partitions = new Dictionary<string, string>(StringComparer.Ordinal);
        using var document = JsonDocument.Parse(json);
        foreach (var property in document.RootElement.EnumerateObject())
        {
            partitions[property.Name] = property.Value.GetString() ?? "";
        }

        return partitions;
    }

    private static void Id(string? id, string what, string parameterName)
    {
        if (string.IsNullOrWhiteSpace(id))
        {
            throw new ArgumentException($"{what} must not be empty or whitespace.", parameterName);
        }

        if (id.Length > MaxIdLength)
        {
            throw new ArgumentException($"{what} is {id.Length} characters long; at most {MaxIdLength} are allowed.", parameterName);
        }

        Guard.StorableText(id, what, parameterName);
    }
}
