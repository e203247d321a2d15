using System.Text;
using System.Text.Json;
using ContinuationState.Serialization;

namespace ContinuationState.Tests.Serialization;

/// <summary>
/// JsonElement values are copied from their raw UTF-8 without turning text into strings: these pin that the copy
/// writes exactly what the string-by-string walk wrote, and that every policy still sees what it must.
/// </summary>
public class JsonElementCopyTests
{
    private static readonly ContinuationJsonOptions Strip = new() { NulCharacters = NulCharacterPolicy.Strip };
    private static readonly ContinuationJsonOptions Replace = new() { LoneSurrogates = LoneSurrogatePolicy.Replace };

    [Fact]
    public void JsonThisLibraryWrote_IsCopiedByteForByte()
    {
        var value = new
        {
            messages = new object[]
            {
                new { role = "user", content = "Quote \"this\",\ttab, back\\slash, line\nbreak, café, 日本語, 🚀, \u0001, \u007f, \u0085, \u2028" },
                new { role = "tool", content = new string('x', 100_000) + "\n🚀é", ok = true, n = 12.50, z = (object?)null },
            },
            empty = "",
        };
        var written = ContinuationJson.SerializeToUtf8Bytes(value);
        using var document = JsonDocument.Parse(written);

        Assert.Equal(written, ContinuationJson.SerializeToUtf8Bytes(document.RootElement));
    }

    [Theory]
    [InlineData("\"caf\\u00e9\"")]          // an escape the writer would not use
    [InlineData("\"a\\/b\"")]
    [InlineData("\"\\u0041\\u0042\"")]
    [InlineData("\"\\ud83d\\ude80 lower-case hex\"")]
    [InlineData("\"🚀 raw\"")]             // the writer escapes characters outside the BMP
    [InlineData("\"\\u2028 \\u0085 \\u007f \\u0001\"")]
    [InlineData("\"del \u007f raw\"")]
    [InlineData("\"\\\" \\\\ \\n \\r \\t \\b \\f\"")]
    [InlineData("\"plain ASCII\"")]
    public void StringsOfParsedJson_AreWrittenAsTheirTextWouldBe(string literal)
    {
        using var document = JsonDocument.Parse(literal);
        Assert.Equal(
            JsonAssert.Serialize(document.RootElement.GetString()),
            JsonAssert.Serialize(document.RootElement));
    }

    [Fact]
    public void RandomlySpelledStringsAndKeys_AreWrittenAsTheirTextWouldBe()
    {
        // Characters the encoder treats differently (kept, escaped short, escaped as \u), each spelled in JSON in
        // every way JSON allows: raw, \u in either case, or the short escape.
        string[] alphabet =
        [
            "a", " ", "\"", "\\", "/", "\n", "\t", "\b", "\f", "\r", "\u0001", "\u001f", "\u007f", "é", "\u0085", "\u00a0",
            "\u00ad", "\u2028", "\u2029", "\ufeff", "\ufffd", "\uffff", "\u0378", "\ue000", "日", "🚀", "\U0001F600",
        ];
        var random = new Random(5);
        for (var i = 0; i < 2_000; i++)
        {
            var text = new StringBuilder();
            var json = new StringBuilder("\"");
            for (var length = random.Next(0, 12); length > 0; length--)
            {
                var character = alphabet[random.Next(alphabet.Length)];
                text.Append(character);
                json.Append(Spell(character, random));
            }

            json.Append('"');
            using var value = JsonDocument.Parse(json.ToString());
            Assert.Equal(JsonAssert.Serialize(text.ToString()), JsonAssert.Serialize(value.RootElement));
            using var key = JsonDocument.Parse("{" + json + ":1}");
            Assert.Equal(JsonAssert.Serialize(new Dictionary<string, int> { [text.ToString()] = 1 }), JsonAssert.Serialize(key.RootElement));
        }

        static string Spell(string character, Random random)
        {
            var shortEscape = character switch
            {
                "\"" => "\\\"", "\\" => "\\\\", "/" => "\\/", "\n" => "\\n", "\t" => "\\t", "\b" => "\\b", "\f" => "\\f", "\r" => "\\r",
                _ => null,
            };
            var unicode = string.Concat(character.Select(c => $"\\u{(int)c:x4}"));
            return random.Next(4) switch
            {
                0 when shortEscape is not null => shortEscape,
                1 => unicode,
                2 => unicode.ToUpperInvariant().Replace("\\U", "\\u", StringComparison.Ordinal),
                _ when character[0] >= 0x20 && character is not "\"" and not "\\" => character,
                _ => shortEscape ?? unicode,
            };
        }
    }

    [Fact]
    public void LongStringNeedingRewriting_IsWrittenAsItsTextWouldBe()
    {
        var text = string.Concat(Enumerable.Repeat("é 🚀 \" \\ / \u0085 ", 20_000));
        var literal = "\"" + string.Concat(text.Select(c => c < 0x80 && c != '"' && c != '\\' ? c.ToString() : $"\\u{(int)c:x4}")) + "\"";
        using var document = JsonDocument.Parse(literal);

        Assert.Equal(JsonAssert.Serialize(text), JsonAssert.Serialize(document.RootElement));
    }

    [Fact]
    public void Whitespace_IsDropped()
    {
        using var document = JsonDocument.Parse("{ \"a\" : [ 1 , \"x\" ] ,\n \"b\" : { } }");
        Assert.Equal("""{"a":[1,"x"],"b":{}}""", JsonAssert.Serialize(document.RootElement));
    }

    [Fact]
    public void NulEscapeInValue_IsRejectedWithThePath_OrStripped()
    {
        using var document = JsonDocument.Parse("""{"messages":[{"content":"ok"},{"content":"a\n\u0000b"}]}""");
        var exception = JsonAssert.Rejects(document.RootElement, "$.messages[1].content");
        Assert.Contains("index 2", exception.Message, StringComparison.Ordinal);
        Assert.Equal("""{"messages":[{"content":"ok"},{"content":"a\nb"}]}""", JsonAssert.Serialize(document.RootElement, Strip));
    }

    [Fact]
    public void NulEscapeInKey_IsRejectedWithThePath_OrStripped()
    {
        using var document = JsonDocument.Parse("""{"args":{"a\u0000b":1}}""");
        JsonAssert.Rejects(document.RootElement, "$.args['a\\u0000b']");
        Assert.Equal("""{"args":{"ab":1}}""", JsonAssert.Serialize(document.RootElement, Strip));
    }

    [Theory]
    [InlineData("\\ud800", 0)]
    [InlineData("x\\udc00", 1)]
    [InlineData("\\ud800\\u0041", 0)]
    [InlineData("\\ud800\\ud800", 0)]
    [InlineData("\\ud83d\\ude80\\ude80", 2)]
    [InlineData("é\\ud800", 1)]
    public void LoneSurrogateEscapeInValue_IsRejectedWithThePathAndIndex(string escaped, int index)
    {
        using var document = JsonDocument.Parse($$"""{"m":["ok",{"text":"{{escaped}}"}]}""");
        var exception = JsonAssert.Rejects(document.RootElement, "$.m[1].text");
        Assert.Contains($"index {index}", exception.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void LoneSurrogateEscapes_AreReplacedWhenConfigured()
    {
        using var document = JsonDocument.Parse("""{"k\ud800":["x\udc00y","\ud83d\ude80"]}""");
        Assert.Equal("{\"k\uFFFD\":[\"x\uFFFDy\",\"\\uD83D\\uDE80\"]}", JsonAssert.Serialize(document.RootElement, Replace));
    }

    [Theory]
    [InlineData("""{"a":1,"a":2}""", "$.a")]
    [InlineData("""{"a":1,"\u0061":2}""", "$.a")]
    [InlineData("""{"\u0061":1,"a":2}""", "$.a")]
    [InlineData("""{"x":{"é":1,"\u00e9":2}}""", "$.x['é']")]
    [InlineData("""{"x":[{"a":1,"b":{"a":1}},{"b":1,"b":2}]}""", "$.x[1].b")]
    public void DuplicateKeys_AreRejectedWithThePath(string json, string path)
    {
        using var document = JsonDocument.Parse(json);
        JsonAssert.Rejects(document.RootElement, path);
    }

    [Fact]
    public void KeysThatCollideAfterStripping_AreRejected()
    {
        using var document = JsonDocument.Parse("""{"ab":1,"a\u0000b":2}""");
        JsonAssert.Rejects(document.RootElement, "$.ab", Strip);
    }

    [Fact]
    public void DuplicateKeysInLargeObjects_AreRejected()
    {
        var members = Enumerable.Range(0, 200).Select(i => $"\"k{i}\":{i}").ToList();
        using var clean = JsonDocument.Parse("{" + string.Join(',', members) + "}");
        Assert.Equal(200, JsonDocument.Parse(JsonAssert.Serialize(clean.RootElement)).RootElement.EnumerateObject().Count());

        members.Add("\"k\\u0031\\u0030\\u0037\":0"); // "k107", escaped
        using var duplicate = JsonDocument.Parse("{" + string.Join(',', members) + "}");
        JsonAssert.Rejects(duplicate.RootElement, "$.k107");
    }

    [Fact]
    public void SameKeysInSiblingAndNestedObjects_AreFine()
    {
        const string Json = """{"a":{"a":{"a":1}},"b":[{"a":1,"b":2},{"a":1,"b":2}]}""";
        using var document = JsonDocument.Parse(Json);
        Assert.Equal(Json, JsonAssert.Serialize(document.RootElement));
    }

    [Theory]
    [InlineData("1e999999", false)]
    [InlineData("-1e131072", false)]
    [InlineData("1e-16384", false)]
    [InlineData("123456789012345678901234567890.000001", true)]
    public void NumbersOfParsedJson_AreCheckedAgainstPostgresNumeric(string number, bool fits)
    {
        var json = $$$"""{"tool":{"args":[0,{{{number}}}]}}""";
        using var document = JsonDocument.Parse(json);
        if (fits)
        {
            Assert.Equal(json, JsonAssert.Serialize(document.RootElement));
        }
        else
        {
            JsonAssert.Rejects(document.RootElement, "$.tool.args[1]");
        }
    }

    [Fact]
    public void DeepElements_AreRejectedPastMaxDepth()
    {
        var parse = new JsonDocumentOptions { MaxDepth = 1000 };
        using var atLimit = JsonDocument.Parse(new string('[', 512) + new string(']', 512), parse);
        Assert.Equal(1024, JsonAssert.Serialize(atLimit.RootElement).Length);

        using var deeper = JsonDocument.Parse(new string('[', 513) + new string(']', 513), parse);
        JsonAssert.Rejects(deeper.RootElement, "$" + string.Concat(Enumerable.Repeat("[0]", 512)));

        using var objects = JsonDocument.Parse("""{"a":{"b":{"c":1}}}""");
        JsonAssert.Rejects(objects.RootElement, "$.a.b", new ContinuationJsonOptions { MaxDepth = 2 });
    }

    [Fact]
    public void KeysThatAreNotIdentifiers_AppearQuotedInPaths()
    {
        using var document = JsonDocument.Parse("""{"we ird":{"it's":"\u0000"}}""");
        JsonAssert.Rejects(document.RootElement, "$['we ird']['it\\'s']");
    }

    [Fact]
    public void StringsCrossingTheBudget_ThrowWithThePath()
    {
        var options = new ContinuationJsonOptions { MaxBytes = 1_000 };
        using var plain = JsonDocument.Parse($$"""{"a":"x","big":"{{new string('y', 5_000)}}"}""");
        var exception = Assert.Throws<StateTooLargeException>(() => ContinuationJson.SerializeToUtf8Bytes(plain.RootElement, options));
        Assert.Equal("$.big", exception.JsonPath);

        using var escaped = JsonDocument.Parse($$"""{"a":"x","big":"{{string.Concat(Enumerable.Repeat("\\u00e9", 1_000))}}"}""");
        exception = Assert.Throws<StateTooLargeException>(() => ContinuationJson.SerializeToUtf8Bytes(escaped.RootElement, options));
        Assert.Equal("$.big", exception.JsonPath);
    }

    [Fact]
    public void ManyItemsCrossingTheBudget_ThrowAtTheFirstItemOverTheLimit()
    {
        using var document = JsonDocument.Parse("[" + string.Join(',', Enumerable.Repeat("\"abcdefgh\"", 2_000)) + "]");
        var exception = Assert.Throws<StateTooLargeException>(
            () => ContinuationJson.SerializeToUtf8Bytes(document.RootElement, new ContinuationJsonOptions { MaxBytes = 10_000 }));
        Assert.Equal("$[909]", exception.JsonPath); // as for the same strings given as CLR values
    }

    [Fact]
    public void OutputExactlyAtTheBudget_IsAccepted()
    {
        using var document = JsonDocument.Parse("""["abc"]""");
        Assert.Equal(7, ContinuationJson.SerializeToUtf8Bytes(document.RootElement, new ContinuationJsonOptions { MaxBytes = 7 }).Length);
        Assert.Throws<StateTooLargeException>(() => ContinuationJson.SerializeToUtf8Bytes(document.RootElement, new ContinuationJsonOptions { MaxBytes = 6 }));
    }

    [Fact]
    public void BytesThatAreNotUtf8_AreRejectedByDefault_AndBecomeReplacementCharactersUnderReplace()
    {
        byte[] json = [.. "{\"k"u8, 0xFF, .. "\":\"a"u8, 0xC3, .. "b\"}"u8];
        using var document = JsonDocument.Parse(json);
        Assert.Throws<ContinuationJsonException>(() => JsonAssert.Serialize(document.RootElement));
        Assert.Equal("{\"k\uFFFD\":\"a\uFFFDb\"}", JsonAssert.Serialize(document.RootElement, new ContinuationJsonOptions { LoneSurrogates = LoneSurrogatePolicy.Replace }));
    }
}
