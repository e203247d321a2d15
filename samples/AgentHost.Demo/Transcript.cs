using System.Net.ServerSentEvents;
using System.Text.Json;

namespace AgentHost.Demo;

/// <summary>Prints the readable transcript and counts the checks that failed.</summary>
internal sealed class Transcript
{
    private bool _midLine;

    public int Checks { get; private set; }

    public int Failures { get; private set; }

    public void Heading(string text)
    {
        EndLine();
        Console.WriteLine();
        Console.WriteLine($"== {text}");
    }

    public void Line(string who, string marker, string text)
    {
        EndLine();
        Console.WriteLine($"  {who,-9} {marker} {text}");
    }

    public void Check(bool ok, string step)
    {
        EndLine();
        Checks++;
        Failures += ok ? 0 : 1;
        Console.WriteLine($"  [{(ok ? "ok" : "FAIL")}] {step}");
    }

    /// <summary>Prints a stream as it arrives: tokens inline, every other event on a line of its own.</summary>
    public void Event(SseItem<string> item)
    {
        using var document = JsonDocument.Parse(item.Data);
        var data = document.RootElement;
        switch (item.EventType)
        {
            case "token":
                if (!_midLine)
                {
                    Console.Write($"  {"assistant",-9} < ");
                    _midLine = true;
                }

                Console.Write(data.GetProperty("text").GetString());
                break;
            case "tool_result":
                Line("tool", "=", $"{data.GetProperty("name").GetString()} -> {data.GetProperty("result").GetRawText()}");
                break;
            case "tool_denied":
                Line("tool", "x", $"{data.GetProperty("name").GetString()} denied: not run");
                break;
            case "tool_approval_required" or "client_tool_required":
                foreach (var call in data.GetProperty("pending_tool_calls").EnumerateArray())
                {
                    Line("pause", "||", $"{item.EventType}: {call.GetProperty("call_id").GetString()} {call.GetProperty("name").GetString()} {call.GetProperty("arguments").GetRawText()}");
                }

                break;
            case "done":
                EndLine();
                break;
            default:
                Line("event", "!", $"{item.EventType} {item.Data}");
                break;
        }
    }

    private void EndLine()
    {
        if (_midLine)
        {
            Console.WriteLine();
            _midLine = false;
        }
    }
}
