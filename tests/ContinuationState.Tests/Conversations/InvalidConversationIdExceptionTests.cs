namespace ContinuationState.Tests.Conversations;

public class InvalidConversationIdExceptionTests
{
    [Fact]
    public void NullId_IsRefusedByName()
    {
        var error = Assert.Throws<ArgumentNullException>(() => new InvalidConversationIdException(null!));
        Assert.Equal("conversationId", error.ParamName);
    }

    [Fact]
    public void HugeId_IsNamedByItsFirst64Characters_AndKeptWhole()
    {
        var id = new string('7', 10_000);
        var error = new InvalidConversationIdException(id);
        Assert.Equal(id, error.ConversationId);
        Assert.Contains($"'{new string('7', 64)}…'", error.Message, StringComparison.Ordinal);
    }
}
