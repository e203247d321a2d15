using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace ContinuationState.Serialization;

/// <summary>
/// JSON that is already JSON (JsonElement, JsonDocument, JsonNode): copied, but under the same policies, because
/// parsed text can hold <c>\u0000</c>, lone-surrogate escapes and numbers PostgreSQL cannot store.
/// </summary>
internal sealed partial class JsonCoercer
{
    private void WriteElement(JsonElement element)
    {
        switch (element.ValueKind)
        {
            case JsonValueKind.Object:
                Enter(null);
                _writer.WriteStartObject();
                var names = new HashSet<string>(StringComparer.Ordinal);
                foreach (var property in element.EnumerateObject())
                {
                    BeginMember(NameOf(property), names);
                    WriteElement(property.Value);
                    EndMember();
                    CheckBudget();
                }

                _writer.WriteEndObject();
                Exit(null);
                break;
            case JsonValueKind.Array:
                Enter(null);
                _writer.WriteStartArray();
                _path.PushIndex(0);
                var index = 0;
                foreach (var item in element.EnumerateArray())
                {
                    _path.SetIndex(index++);
                    WriteElement(item);
                    CheckBudget();
                }

                _path.Pop();
                _writer.WriteEndArray();
                Exit(null);
                break;
            case JsonValueKind.String:
                WriteString(StringOf(element));
                break;
            case JsonValueKind.Number:
                WriteJsonNumber(JsonMarshal.GetRawUtf8Value(element));
                break;
            case JsonValueKind.True:
            case JsonValueKind.False:
                _writer.WriteBooleanValue(element.ValueKind == JsonValueKind.True);
                break;
            case JsonValueKind.Null:
                _writer.WriteNullValue();
                break;
            default:
                throw new ContinuationJsonException(_path.ToString(), "default(JsonElement) holds no JSON value.");
        }
    }

    private void WriteJsonNumber(ReadOnlySpan<byte> number)
    {
        if (!PostgresNumeric.Fits(number))
        {
            var preview = Encoding.UTF8.GetString(number[..Math.Min(number.Length, 40)]);
            throw new ContinuationJsonException(
                _path.ToString(),
                $"The number {preview}{(number.Length > 40 ? "..." : string.Empty)} is outside what PostgreSQL numeric can store "
                + $"({PostgresNumeric.MaxIntegerDigits} digits before the point, {PostgresNumeric.MaxFractionDigits} after).");
        }

        EnsureRoom(number.Length);
        _writer.WriteRawValue(number, skipInputValidation: true);
    }

    private void WriteNode(JsonNode node)
    {
        switch (node)
        {
            case JsonObject jsonObject:
                Enter(null);
                _writer.WriteStartObject();
                var names = new HashSet<string>(StringComparer.Ordinal);
                foreach (var (name, child) in jsonObject)
                {
                    BeginMember(name, names);
                    WriteValue(child);
                    EndMember();
                }

                _writer.WriteEndObject();
                Exit(null);
                break;
            case JsonArray array:
                Enter(null);
                _writer.WriteStartArray();
                _path.PushIndex(0);
                for (var i = 0; i < array.Count; i++)
                {
                    _path.SetIndex(i);
                    WriteValue(array[i]);
                }

                _path.Pop();
                _writer.WriteEndArray();
                Exit(null);
                break;
            default:
                WriteJsonValue((JsonValue)node);
                break;
        }
    }

    private void WriteJsonValue(JsonValue value)
    {
        if (value.TryGetValue<JsonElement>(out var element))
        {
            WriteElement(element);
        }
        else if (value.TryGetValue<object>(out var clrValue) && clrValue is not JsonValue)
        {
            // A JsonValue made from a CLR value follows the CLR rules: JsonValue.Create(double.NaN) is refused,
            // JsonValue.Create(1.10m) becomes "1.10" like any other decimal.
            WriteValue(clrValue);
        }
        else
        {
            throw new ContinuationJsonException(
                _path.ToString(),
                $"The JsonValue of type '{TypeNames.Display(value.GetType())}' does not expose its value.");
        }
    }

    private static string NameOf(JsonProperty property)
    {
        try
        {
            return property.Name;
        }
        catch (InvalidOperationException)
        {
            // The name holds a lone-surrogate escape such as \ud800; decode it ourselves so the policy can apply.
            return JsonStringUnescaper.Unescape(JsonMarshal.GetRawUtf8PropertyName(property));
        }
    }

    private static string StringOf(JsonElement element)
    {
        try
        {
            return element.GetString()!;
        }
        catch (InvalidOperationException)
        {
            var raw = JsonMarshal.GetRawUtf8Value(element);
            return JsonStringUnescaper.Unescape(raw[1..^1]);
        }
    }
}
