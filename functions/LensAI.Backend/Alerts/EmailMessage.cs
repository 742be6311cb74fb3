namespace LensAI.Backend.Alerts;

/// <summary>
/// One plain-text e-mail. <paramref name="Key"/> is stable for what the message is about (an alert id, a project and
/// month): its hash becomes the <c>Message-ID</c>, so a message sent twice after an ambiguous failure has the same id
/// and mail clients show it once.
/// </summary>
internal sealed record EmailMessage(IReadOnlyList<string> To, string Subject, string TextBody, string Key);
