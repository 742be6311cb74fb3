namespace LensAI.Cli;

/// <summary>The command line (or configuration) is wrong: the message is printed with a pointer to the help, exit code 2.</summary>
internal sealed class UsageException(string message) : Exception(message);

/// <summary>The command ran and failed in a way the user can act on: the message is printed, exit code 1.</summary>
internal sealed class CommandFailedException(string message) : Exception(message);
