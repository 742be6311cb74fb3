using System.Text;
using LensAI.Capture;

namespace LensAI.Tests.Capture;

/// <summary>
/// The scanner reads usage from the end of a document without reading the large value before it — but only a
/// top-level <c>usage</c> counts: one nested anywhere else, or inside a string, must never be taken for it.
/// </summary>
public sealed class UsageScannerTests
{
    private static UsageScanner Scan(string json)
    {
        var scanner = new UsageScanner();
        scanner.ScanDocument(Encoding.UTF8.GetBytes(json));
        return scanner;
    }

    [Fact]
    public void Top_level_usage_after_the_choices_is_read()
    {
        using var scanner = Scan("""{"id":"c-1","model":"m-1","choices":[{"message":{"content":"hi"}}],"usage":{"prompt_tokens":5,"completion_tokens":2},"system_fingerprint":"fp"}""");
        Assert.Equal(("c-1", "m-1", 5L, 2L), (scanner.ResponseId, scanner.Model, scanner.Usage.PromptTokens, scanner.Usage.CompletionTokens));
        Assert.False(scanner.Failed);
    }

    [Fact]
    public void A_usage_nested_in_the_last_choice_is_not_the_calls_usage()
    {
        using var scanner = Scan("""{"id":"c-1","model":"m-1","choices":[{"message":{"usage":{"prompt_tokens":999}}}]}""");
        Assert.False(scanner.Usage.Seen);
        Assert.Null(scanner.Usage.PromptTokens);
    }

    [Fact]
    public void A_nested_usage_after_the_top_level_one_does_not_hide_it()
    {
        using var scanner = Scan("""{"id":"c-1","model":"m-1","choices":[],"usage":{"prompt_tokens":5},"extra":{"usage":{"prompt_tokens":7}}}""");
        Assert.Equal(5L, scanner.Usage.PromptTokens);
    }

    [Fact]
    public void A_usage_inside_a_string_is_text()
    {
        using var scanner = Scan("""{"id":"c-1","model":"m-1","choices":[{"message":{"content":"say \"usage\":{\"prompt_tokens\":9}}"}}],"usage":{"prompt_tokens":3}}""");
        Assert.Equal(3L, scanner.Usage.PromptTokens);

        using var only = Scan("""{"id":"c-1","model":"m-1","choices":[{"message":{"content":"\"usage\":{\"prompt_tokens\":9}}"}}]}""");
        Assert.Null(only.Usage.PromptTokens);
    }

    [Fact]
    public void Brackets_and_quotes_inside_strings_after_the_usage_do_not_confuse_the_tail()
    {
        using var scanner = Scan("""{"id":"c-1","model":"m-1","choices":[],"usage":{"prompt_tokens":5,"x":[1,{"a":"]}\"["}],"completion_tokens":2},"tail":{"k":"}"},"n":null}""");
        Assert.Equal((5L, 2L), (scanner.Usage.PromptTokens, scanner.Usage.CompletionTokens));

        using var broken = Scan("""{"id":"c-1","model":"m-1","choices":[],"usage":{"prompt_tokens":5}}}""");
        Assert.True(broken.Failed); // not JSON: the reader that takes over says so
    }

    [Fact]
    public void Without_id_and_model_first_the_document_is_read_through()
    {
        // Model after the large value (some OpenAI-compatible servers): the jump would miss it, so there is none.
        using var scanner = Scan("""{"id":"c-1","choices":[{"message":{"content":"hi"}}],"model":"m-late","usage":{"prompt_tokens":4}}""");
        Assert.Equal(("m-late", 4L), (scanner.Model, scanner.Usage.PromptTokens));
    }

    [Fact]
    public void Sse_events_that_carry_nothing_new_are_passed_over_and_the_rest_are_read()
    {
        using var scanner = Scan("""{"id":"c-1","model":"m-1","choices":[{"delta":{"content":"Hel"}}]}""");
        Assert.True(scanner.CanSkip("""{"id":"c-1","model":"m-1","choices":[{"delta":{"content":"lo"}}]}"""u8));
        Assert.False(scanner.CanSkip("""{"id":"c-1","model":"m-1","choices":[],"usage":{"prompt_tokens":1}}"""u8));
        Assert.False(scanner.CanSkip("""{"type":"message_stop"}"""u8));
        Assert.False(scanner.CanSkip("""{"type":"response.completed","response":{}}"""u8));
        Assert.False(scanner.CanSkip("""{"candidates":[{"finishReason":"STOP"}]}"""u8));

        // OpenAI's include_usage deltas carry "usage":null: nothing to read. Any other mention of usage is read.
        Assert.True(scanner.CanSkip("""{"id":"c-1","model":"m-1","choices":[{"delta":{"content":"lo"}}],"usage":null}"""u8));
        Assert.False(scanner.CanSkip("""{"id":"c-1","model":"m-1","choices":[],"usage":null,"x":{"usage":{"prompt_tokens":1}}}"""u8));
        Assert.False(scanner.CanSkip("""{"id":"c-1","model":"m-1","choices":[],"usage": {"prompt_tokens":1}}"""u8));
        Assert.False(scanner.CanSkip("""{"id":"c-1","model":"m-1","usage_note":null}"""u8));

        using var fresh = new UsageScanner();
        Assert.False(fresh.CanSkip("""{"id":"c-1","model":"m-1"}"""u8)); // id and model not known yet
    }
}
