using System.Text;
using System.Text.Json;
using ContinuationState.Serialization;

namespace ContinuationState.Tests.Serialization;

/// <summary>
/// Parsed JSON bound for jsonb goes out as the UTF-8 it was parsed from when no policy has anything to do with it.
/// These pin that it then stores exactly the value the full walk stores, and that everything a policy must see
/// still takes the full walk, with the same exception and path.
/// </summary>
public class VerbatimJsonTests
{
    private static readonly JsonDocumentOptions Lenient = new() { MaxDepth = 64, AllowTrailingCommas = true, CommentHandling = JsonCommentHandling.Skip };

    private static readonly ContinuationJsonOptions[] Policies =
    [
        new(),
        new() { NulCharacters = NulCharacterPolicy.Strip, LoneSurrogates = LoneSurrogatePolicy.Replace },
        new() { MaxDepth = 3 },
    ];

    [Fact]
    public void CleanParsedJson_GoesOutAsParsed_SpacingAndEscapesIncluded()
    {
        const string Json = "[ {\"role\" : \"user\", \"content\": \"caf\\u00e9 \\ud83d\\ude80 \\\\u0000 \\n\"},\n  1.50, -2e5, true, null ]";
        using var document = JsonDocument.Parse(Json);

        Assert.Equal(Json, Encoding.UTF8.GetString(ForJsonb(document.RootElement, new ContinuationJsonOptions()).Bytes!));
    }

    [Theory]
    [InlineData("""["\u0000"]""", "$.messages[0]")]
    [InlineData("""["a\\\u0000"]""", "$.messages[0]")]
    [InlineData("""["\ud800"]""", "$.messages[0]")]
    [InlineData("""["\udc00\ud800"]""", "$.messages[0]")]
    [InlineData("""["\ud83d\\ude80"]""", "$.messages[0]")]
    [InlineData("""{"a":1,"a":2}""", "$.messages")]
    [InlineData("""{"a":1,"\u0061":2}""", "$.messages")]
    [InlineData("""{"x":[1e999999]}""", "$.messages.x[0]")]
    [InlineData("""[[[[1]]]]""", "$.messages[0][0][0]")]
    public void WhatAPolicyMustSee_TakesTheFullWalk_AndFailsAsItDoes(string json, string path)
    {
        using var document = JsonDocument.Parse(json);
        var options = new ContinuationJsonOptions { MaxDepth = 3 };

        var jsonb = ForJsonb(document.RootElement, options);
        var canonical = Canonical(document.RootElement, options);

        var error = Assert.IsType<ContinuationJsonException>(jsonb.Error);
        Assert.StartsWith(path, error.JsonPath, StringComparison.Ordinal);
        Assert.Equal(((ContinuationJsonException)canonical.Error!).JsonPath, error.JsonPath);
    }

    [Theory]
    [InlineData("[1,2,]", "[1,2]")]
    [InlineData("{\"a\":[1 , ] , }", "{\"a\":[1]}")]
    [InlineData("[1, /* two */ 2]", "[1,2]")]
    [InlineData("{\"a\":1 // one\n}", "{\"a\":1}")]
    public void JsonParsedLeniently_IsRewrittenStrictly(string json, string expected)
    {
        using var document = JsonDocument.Parse(json, Lenient);

        Assert.Equal(expected, Encoding.UTF8.GetString(ForJsonb(document.RootElement, new ContinuationJsonOptions()).Bytes!));
    }

    [Fact]
    public void SlashesAndBracketsInsideStrings_KeepTheFastPath()
    {
        const string Json = """{"url":"https://example.com/a/b","text":"a } b","c":"\"/*"}""";
        using var document = JsonDocument.Parse(Json);

        Assert.Equal(Json, Encoding.UTF8.GetString(ForJsonb(document.RootElement, new ContinuationJsonOptions()).Bytes!));
    }

    [Fact]
    public void TextThatIsNotUtf8_IsRefusedWithItsPath()
    {
        var bytes = "{\"ok\":\"fine\",\"bad\":\"x\"}"u8.ToArray();
        bytes[^3] = 0xFF;
        using var document = JsonDocument.Parse(bytes);

        var error = Assert.IsType<ContinuationJsonException>(ForJsonb(document.RootElement, new ContinuationJsonOptions()).Error);
        Assert.Equal("$.messages.bad", error.JsonPath);
    }

    [Fact]
    public void SpacedJsonOverTheLimit_IsStillStoredWhenItsCompactFormFits()
    {
        var compact = JsonAssert.Serialize(Enumerable.Range(0, 100).ToArray());
        var spaced = compact.Replace(",", ",        ", StringComparison.Ordinal);
        using var document = JsonDocument.Parse(spaced);
        var options = new ContinuationJsonOptions { MaxBytes = compact.Length + 10 };

        Assert.Equal(compact, Encoding.UTF8.GetString(ForJsonb(document.RootElement, options).Bytes!));
    }

    [Fact]
    public void StateThatFitsTheLimitOnlyRewrittenCompactly_IsStoredCompactly()
    {
        // The spaced messages fit on their own, as parsed; the four parts after them then do not.
        var compact = JsonAssert.Serialize(Enumerable.Range(0, 100).ToArray());
        var spacedText = compact.Replace(",", ", ", StringComparison.Ordinal);
        using var spaced = JsonDocument.Parse(spacedText);
        using var empty = JsonDocument.Parse("[]");
        var snapshot = new ContinuationSnapshot(spaced.RootElement, empty.RootElement, empty.RootElement, empty.RootElement, empty.RootElement);
        var options = new ContinuationJsonOptions { MaxBytes = spacedText.Length + 4 };

        using var parameters = ContinuationState.Internal.SnapshotParameters.Serialize(snapshot, options);

        Assert.Equal(compact.Length + 8, parameters.TotalBytes);
    }

    [Fact]
    public void RandomJson_StoresTheSameValueAsTheFullWalk_OrFailsTheSameWay()
    {
        var random = new Random(20261125);
        var verbatim = 0;
        for (var i = 0; i < 3_000; i++)
        {
            var json = RandomJson.Document(random);
            using var document = JsonDocument.Parse(json, Lenient);
            foreach (var options in Policies)
            {
                var jsonb = ForJsonb(document.RootElement, options);
                var canonical = Canonical(document.RootElement, options);
                var context = $"{Encoding.UTF8.GetString(json)} (MaxDepth {options.MaxDepth}, {options.NulCharacters}, {options.LoneSurrogates})";
                if (canonical.Error is { } expected)
                {
                    Assert.True(jsonb.Error is not null, $"Stored what the full walk refuses: {context}");
                    Assert.Equal(expected.GetType(), jsonb.Error.GetType());
                    Assert.Equal((expected as ContinuationJsonException)?.JsonPath, (jsonb.Error as ContinuationJsonException)?.JsonPath);
                    continue;
                }

                Assert.True(jsonb.Error is null, $"Refused what the full walk stores ({jsonb.Error?.Message}): {context}");
                // Parsed strictly, as jsonb does: a comment or trailing comma copied from a lenient parse fails here.
                using var stored = JsonDocument.Parse(jsonb.Bytes!, new JsonDocumentOptions { MaxDepth = 64 });
                using var walked = JsonDocument.Parse(canonical.Bytes!, new JsonDocumentOptions { MaxDepth = 64 });
                Assert.True(JsonElement.DeepEquals(walked.RootElement, stored.RootElement), $"Different values: {context}");
                verbatim += jsonb.Bytes!.AsSpan().SequenceEqual(json) ? 1 : 0;
            }
        }

        // The generator must exercise both paths, or this test proves nothing about the fast one.
        Assert.InRange(verbatim, 500, 8_000);
    }

    private static (byte[]? Bytes, Exception? Error) ForJsonb(JsonElement element, ContinuationJsonOptions options) => Write(element, options, forJsonb: true);

    private static (byte[]? Bytes, Exception? Error) Canonical(JsonElement element, ContinuationJsonOptions options) => Write(element, options, forJsonb: false);

    private static (byte[]? Bytes, Exception? Error) Write(JsonElement element, ContinuationJsonOptions options, bool forJsonb)
    {
        try
        {
            using var columns = new JsonColumnWriter(options, new ContinuationJsonBudget(options.MaxBytes), forJsonb: forJsonb);
            var range = columns.Write(element, "$.messages");
            return (columns.WrittenSpan[range].ToArray(), null);
        }
        catch (Exception e) when (e is ContinuationJsonException or StateTooLargeException)
        {
            return (null, e);
        }
    }

    /// <summary>JSON text with the escapes, names, numbers and spacing that decide between the two paths.</summary>
    private static class RandomJson
    {
        private static readonly string[] Names = ["a", "b", "role", "content", "\\u0061", "c\\\"d", "é", "\\u00e9", "🚀", "\\u0000", "k"];

        private static readonly string[] TextPieces =
        [
            "plain", " ", "é", "日本語", "🚀", "\\n", "\\\"", "\\\\", "\\/", "\\u00e9", "\\\\u0000", "\\ud83d\\ude80", "\\uD83D\\uDE80",
            "\\u0000", "\\ud83d", "\\ude80", "\\u2028", "\\u0001", "\\\\\\u0041",
        ];

        private static readonly string[] Numbers = ["0", "-1.5", "1e10", "12.50", "1e999999", "-0.000001", "123456789012345678901234567890", "1E-400"];

        public static byte[] Document(Random random)
        {
            var text = new StringBuilder();
            Value(random, text, depth: 0);
            var bytes = Encoding.UTF8.GetBytes(text.ToString());

            // Now and then a byte that is not UTF-8 in place of a letter, inside a string (or a comment).
            if (random.Next(40) == 0 && Array.IndexOf(bytes, (byte)'"') is >= 0 and var quote && quote + 1 < bytes.Length && char.IsAsciiLetter((char)bytes[quote + 1]))
            {
                bytes[quote + 1] = 0xFF;
            }

            return bytes;
        }

        private static void Value(Random random, StringBuilder text, int depth)
        {
            switch (depth >= 5 ? random.Next(2, 6) : random.Next(6))
            {
                case 0:
                    text.Append('{');
                    var members = random.Next(0, 20);
                    for (var i = 0; i < members; i++)
                    {
                        Separator(random, text, i);
                        text.Append('"').Append(random.Next(3) == 0 ? Names[random.Next(Names.Length)] : $"n{random.Next(1_000)}").Append('"');
                        (random.Next(8) == 0 ? text.Append(" \n ") : text).Append(':'); // the reader takes no comment here
                        Space(random, text);
                        Value(random, text, depth + 1);
                    }

                    TrailingComma(random, text, members);
                    text.Append('}');
                    break;
                case 1:
                    text.Append('[');
                    var items = random.Next(0, 6);
                    for (var i = 0; i < items; i++)
                    {
                        Separator(random, text, i);
                        Value(random, text, depth + 1);
                    }

                    TrailingComma(random, text, items);
                    text.Append(']');
                    break;
                case 2:
                case 3:
                    text.Append('"');
                    for (var i = random.Next(0, 5); i > 0; i--)
                    {
                        text.Append(random.Next(4) == 0 ? TextPieces[random.Next(TextPieces.Length)] : TextPieces[random.Next(5)]);
                    }

                    text.Append('"');
                    break;
                case 4:
                    text.Append(Numbers[random.Next(Numbers.Length)]);
                    break;
                default:
                    text.Append(random.Next(3) switch { 0 => "true", 1 => "false", _ => "null" });
                    break;
            }
        }

        private static void Separator(Random random, StringBuilder text, int index)
        {
            if (index > 0)
            {
                text.Append(',');
            }

            Space(random, text);
        }

        private static StringBuilder Space(Random random, StringBuilder text) => random.Next(12) switch
        {
            0 => text.Append(" \n "),
            1 when random.Next(4) == 0 => text.Append("/* a comment, with ] and \"quotes\" */"),
            2 when random.Next(4) == 0 => text.Append("// to the end of the line\n"),
            _ => text,
        };

        // Only a lenient parse accepts these; the text generated here is parsed leniently.
        private static void TrailingComma(Random random, StringBuilder text, int count)
        {
            if (count > 0 && random.Next(30) == 0)
            {
                text.Append(random.Next(2) == 0 ? "," : ", \n");
            }
        }
    }
}
