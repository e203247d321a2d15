using System.Globalization;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json;

namespace ContinuationState.Serialization;

/// <summary>
/// The JSON path of the value being written, kept as a stack of segments and turned into text only when an
/// exception needs it: <c>$.messages[2].content</c>, or <c>$['we ird']</c> for keys that are not identifiers.
/// </summary>
internal sealed class JsonPathBuilder
{
    private readonly List<Segment> _segments = [];
    private string _root;

    public JsonPathBuilder(string root)
    {
        _root = root;
    }

    /// <summary>Starts over at <paramref name="root"/>, for the next column written with the same builder.</summary>
    public void Reset(string root)
    {
        _root = root;
        _segments.Clear();
    }

    public void PushIndex(int index) => _segments.Add(new Segment(null, index, default));

    public void SetIndex(int index) => _segments[^1] = new Segment(null, index, default);

    public void PushName(string name) => _segments.Add(new Segment(name, 0, default));

    /// <summary>
    /// Pushes the name of <paramref name="property"/>, whose raw UTF-8 name holds no escapes (so it is the name
    /// itself); decoded to a string only if an exception needs the path.
    /// </summary>
    public void PushName(JsonProperty property) => _segments.Add(new Segment(null, -1, property));

    public void Pop() => _segments.RemoveAt(_segments.Count - 1);

    /// <summary>The current path.</summary>
    public override string ToString() => Build(null);

    /// <summary>The path of member <paramref name="name"/> of the current object, not pushed yet.</summary>
    public string WithName(string name) => Build(name);

    private string Build(string? extraName)
    {
        var builder = new StringBuilder(_root);
        foreach (var segment in _segments)
        {
            if (segment.Name is not null)
            {
                AppendName(builder, segment.Name);
            }
            else if (segment.Index < 0)
            {
                AppendName(builder, Encoding.UTF8.GetString(JsonMarshal.GetRawUtf8PropertyName(segment.Property)));
            }
            else
            {
                builder.Append('[').Append(segment.Index.ToString(CultureInfo.InvariantCulture)).Append(']');
            }
        }

        if (extraName is not null)
        {
            AppendName(builder, extraName);
        }

        return builder.ToString();
    }

    private static void AppendName(StringBuilder builder, string name)
    {
        if (IsIdentifier(name))
        {
            builder.Append('.').Append(name);
            return;
        }

        builder.Append("['");
        foreach (var c in name)
        {
            // Control characters and surrogates are shown as escapes so the message itself is printable and valid UTF-16.
            if (c is '\'' or '\\')
            {
                builder.Append('\\').Append(c);
            }
            else if (char.IsControl(c) || char.IsSurrogate(c))
            {
                builder.Append("\\u").Append(((int)c).ToString("x4", CultureInfo.InvariantCulture));
            }
            else
            {
                builder.Append(c);
            }
        }

        builder.Append("']");
    }

    private static bool IsIdentifier(string name)
    {
        if (name.Length == 0 || char.IsAsciiDigit(name[0]))
        {
            return false;
        }

        foreach (var c in name)
        {
            if (!char.IsAsciiLetterOrDigit(c) && c != '_')
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>A member name (<see cref="Name"/>, or <see cref="Property"/>'s raw name when the index is -1) or an array index.</summary>
    private readonly record struct Segment(string? Name, int Index, JsonProperty Property);
}
