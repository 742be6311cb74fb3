namespace LensAI.Cli;

/// <summary>The command line (or configuration) is wrong: the message is printed with a pointer to the help, exit code 2.</summary>
internal sealed class UsageException(string message) : Exception(message);
