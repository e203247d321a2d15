using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using System.Text.Unicode;

namespace ContinuationState.Serialization;

/// <summary>
/// JSON that is already JSON (JsonElement, JsonDocument, JsonNode): copied, but under the same policies, because
/// parsed text can hold <c>\u0000</c>, lone-surrogate escapes, duplicate names and numbers PostgreSQL cannot store.
/// </summary>
internal sealed partial class JsonCoercer
{
    /// <summary>
    /// A JsonElement or JsonDocument given as a value: for jsonb, copied as it was parsed when no policy has anything
    /// to do with it (one check, one copy), else walked.
    /// </summary>
    private void WriteParsedElement(JsonElement element)
    {
        if (_copyParsedJson && element.ValueKind is JsonValueKind.Object or JsonValueKind.Array)
        {
            var raw = JsonMarshal.GetRawUtf8Value(element);
            if (WrittenBytes + raw.Length <= _availableBytes && StorableJson.IsStorableAsParsed(element, _options.MaxDepth - _depth))
            {
                _writer.WriteRawValue(raw, skipInputValidation: true);
                return;
            }
        }

        WriteElement(element);
    }

    private void WriteElement(JsonElement element)
    {
        switch (element.ValueKind)
        {
            case JsonValueKind.Object:
                WriteObject(null, element.EnumerateObject().Select(property => KeyValuePair.Create(NameOf(property), property.Value)), _writeElement);
                break;
            case JsonValueKind.Array:
                WriteArray(null, element.EnumerateArray(), _writeElement);
                break;
            case JsonValueKind.String:
                var raw = JsonMarshal.GetRawUtf8Value(element)[1..^1];
                if (!raw.Contains((byte)'\\') && Utf8.IsValid(raw))
                {
                    // Text that is its own UTF-8 needs no policy: the writer escapes it as it would the same string.
                    EnsureRoom(raw.Length + 2L);
                    _writer.WriteStringValue(raw);
                }
                else
                {
                    string text;
                    try
                    {
                        text = element.GetString()!;
                    }
                    catch (InvalidOperationException e)
                    {
                        text = UndecodedText(raw, e, isName: false);
                    }

                    WriteString(text);
                }

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

    private string NameOf(JsonProperty property)
    {
        try
        {
            return property.Name;
        }
        catch (InvalidOperationException e)
        {
            return UndecodedText(JsonMarshal.GetRawUtf8PropertyName(property), e, isName: true);
        }
    }

    /// <summary>
    /// The text of a parsed string or member name (<paramref name="raw"/>, between the quotes) that System.Text.Json
    /// would not decode: an escape of a lone surrogate, or bytes that are not UTF-8 (which the parser lets through).
    /// jsonb would store either differently, so the policies decide: rejected under <see cref="LoneSurrogatePolicy.Reject"/>,
    /// else decoded with each lone surrogate kept for the policy and each byte that is not UTF-8 made U+FFFD.
    /// </summary>
    private string UndecodedText(ReadOnlySpan<byte> raw, InvalidOperationException decodingError, bool isName)
    {
        var text = Encoding.UTF8.GetString(raw);
        if (!Utf8.IsValid(raw) && _options.LoneSurrogates == LoneSurrogatePolicy.Reject)
        {
            throw new ContinuationJsonException(
                isName ? _path.WithName(text) : _path.ToString(),
                "The string is not valid UTF-8 (ContinuationJsonOptions.LoneSurrogates is Reject).",
                decodingError);
        }

        // JSON's escapes are a subset of .NET's regex escapes, and Regex.Unescape keeps an escaped lone surrogate as
        // that code unit, where System.Text.Json refuses to decode it.
        return Regex.Unescape(text);
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
                // System.Text.Json builds the object's dictionary on first use and throws for what it cannot hold (a
                // duplicate name, a name with a lone surrogate): those become ours, with the path.
                List<KeyValuePair<string, JsonNode?>> members;
                try
                {
                    members = [.. jsonObject];
                }
                catch (Exception e) when (e is ArgumentException or InvalidOperationException)
                {
                    throw new ContinuationJsonException(_path.ToString(), $"The JSON object cannot be read: {e.Message}", e);
                }

                WriteObject(jsonObject, members, _writeValue);
                break;
            case JsonArray array:
                WriteArray(array, array, _writeValue);
                break;
            case JsonValue value when value.TryGetValue<JsonElement>(out var element):
                WriteElement(element);
                break;
            case JsonValue value when value.TryGetValue<object>(out var clrValue) && clrValue is not JsonValue:
                // A JsonValue made from a CLR value follows the CLR rules: JsonValue.Create(double.NaN) is refused,
                // JsonValue.Create(1.10m) becomes "1.10" like any other decimal.
                WriteValue(clrValue);
                break;
            default:
                throw new ContinuationJsonException(
                    _path.ToString(),
                    $"The JsonValue of type '{TypeNames.Display(node.GetType())}' does not expose its value.");
        }
    }
}
