using System.Globalization;
using System.Text;

namespace ContinuationState.Serialization;

/// <summary>
/// The JSON path of the value being written, kept as a stack of segments and turned into text only when an
/// exception needs it: <c>$.messages[2].content</c>, or <c>$['we ird']</c> for keys that are not identifiers.
/// </summary>
internal sealed class JsonPathBuilder
{
    private readonly string _root;
    private readonly List<Segment> _segments = [];

    public JsonPathBuilder(string root)
    {
        _root = root;
    }

    public void PushIndex(int index) => _segments.Add(new Segment(null, index));

    public void SetIndex(int index) => _segments[^1] = new Segment(null, index);

    public void PushName(string name) => _segments.Add(new Segment(name, 0));

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
            if (segment.Name is null)
            {
                builder.Append('[').Append(segment.Index.ToString(CultureInfo.InvariantCulture)).Append(']');
            }
            else
            {
                AppendName(builder, segment.Name);
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

    private readonly record struct Segment(string? Name, int Index);
}
