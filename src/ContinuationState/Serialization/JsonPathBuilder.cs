using System.Globalization;
using System.Text;

namespace ContinuationState.Serialization;

/// <summary>
/// The JSON path of the value being written, kept as a stack of segments and turned into text only when an
/// exception needs it: <c>$.messages[2].content</c>, or <c>$['we ird']</c> for keys that are not identifiers.
/// </summary>
internal sealed class JsonPathBuilder(string root)
{
    private readonly List<(string? Name, int Index)> _segments = [];
    private string _root = root;

    /// <summary>Starts over at <paramref name="root"/>, for the next column written with the same builder.</summary>
    public void Reset(string root)
    {
        _root = root;
        _segments.Clear();
    }

    public void PushIndex(int index) => _segments.Add((null, index));

    public void SetIndex(int index) => _segments[^1] = (null, index);

    public void PushName(string name) => _segments.Add((name, 0));

    public void Pop() => _segments.RemoveAt(_segments.Count - 1);

    /// <summary>The current path.</summary>
    public override string ToString() => Build(null);

    /// <summary>The path of member <paramref name="name"/> of the current object, not pushed yet.</summary>
    public string WithName(string name) => Build(name);

    private string Build(string? extraName)
    {
        var builder = new StringBuilder(_root);
        foreach (var (name, index) in _segments)
        {
            if (name is null)
            {
                builder.Append('[').Append(index.ToString(CultureInfo.InvariantCulture)).Append(']');
            }
            else
            {
                AppendName(builder, name);
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
        if (name.Length > 0 && !char.IsAsciiDigit(name[0]) && name.All(c => char.IsAsciiLetterOrDigit(c) || c == '_'))
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
}
