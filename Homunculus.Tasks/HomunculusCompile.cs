using System;
using System.IO;
using Microsoft.Build.Framework;
using Microsoft.Build.Utilities;
using Homunculus.Model.Diagnostics;

namespace Homunculus.Tasks
{
    /// <summary>
    /// Runs the Homunculus compiler (a framework-dependent console app) out of process on one .hspec:
    /// <c>dotnet Homunculus.Compiler.dll compile x.hspec --out dir --cache dir --deps file</c>.
    /// The compiler prints diagnostics in the canonical MSBuild format on stdout; each such line
    /// becomes an MSBuild error or warning. The task adds an error of its own only when the
    /// compiler failed without reporting one (a crash), and never a stack trace.
    /// </summary>
    public sealed class HomunculusCompile : ToolTask
    {
        private bool _cancelled;
        private string? _firstStandardErrorLine;
        private int _standardErrorLines;

        /// <summary>The .hspec file to compile.</summary>
        [Required]
        public string Spec { get; set; } = string.Empty;

        /// <summary>Directory the compiler writes the model file, report and switch programs into.</summary>
        [Required]
        public string OutputDirectory { get; set; } = string.Empty;

        /// <summary>Homunculus.Compiler.dll.</summary>
        [Required]
        public string CompilerPath { get; set; } = string.Empty;

        /// <summary>Cache directory shared by every .hspec of the project (trials, trained models).</summary>
        public string? CacheDirectory { get; set; }

        /// <summary>File the compiler writes the list of every input it read into, one path a line.</summary>
        public string? DependencyFile { get; set; }

        /// <summary>The dotnet host to run the compiler with; defaults to DOTNET_HOST_PATH, then dotnet on PATH.</summary>
        public string? DotnetHostPath { get; set; }

        /// <summary>Extra arguments appended to the compiler's command line, as is.</summary>
        public string? AdditionalArguments { get; set; }

        protected override string ToolName => IsWindows ? "dotnet.exe" : "dotnet";

        // stdout carries the diagnostics; stderr (a crash's exception text) stays quiet. The two
        // importances differ so that LogEventsFromTextOutput can tell the streams apart.
        protected override MessageImportance StandardOutputLoggingImportance => MessageImportance.Normal;

        protected override MessageImportance StandardErrorLoggingImportance => MessageImportance.Low;

        private static bool IsWindows => Path.DirectorySeparatorChar == '\\';

        protected override bool ValidateParameters()
        {
            if (!File.Exists(CompilerPath))
            {
                LogHmc(DiagnosticCatalog.CompilerNotFound, CompilerPath);
                return false;
            }

            return base.ValidateParameters();
        }

        protected override string GenerateFullPathToTool()
        {
            foreach (var candidate in new[] { DotnetHostPath, Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") })
            {
                if (!string.IsNullOrWhiteSpace(candidate) && File.Exists(candidate))
                {
                    return candidate!;
                }
            }

            var path = Environment.GetEnvironmentVariable("PATH") ?? string.Empty;
            foreach (var directory in path.Split(Path.PathSeparator))
            {
                if (directory.Length == 0)
                {
                    continue;
                }

                try
                {
                    var candidate = Path.Combine(directory.Trim('"'), ToolName);
                    if (File.Exists(candidate))
                    {
                        return candidate;
                    }
                }
                catch (ArgumentException)
                {
                    // An invalid PATH entry: skip it.
                }
            }

            // ToolTask reports MSB6004 for a tool it cannot find; say it in our words instead.
            LogHmc(DiagnosticCatalog.DotnetNotFound);
            return ToolName;
        }

        protected override string GenerateCommandLineCommands()
        {
            var builder = new CommandLineBuilder();
            builder.AppendFileNameIfNotNull(CompilerPath);
            builder.AppendSwitch("compile");
            builder.AppendFileNameIfNotNull(Spec);
            builder.AppendSwitchIfNotNull("--out ", TrimTrailingSeparator(OutputDirectory));
            if (!string.IsNullOrEmpty(CacheDirectory))
            {
                builder.AppendSwitchIfNotNull("--cache ", TrimTrailingSeparator(CacheDirectory!));
            }

            if (!string.IsNullOrEmpty(DependencyFile))
            {
                builder.AppendSwitchIfNotNull("--deps ", DependencyFile);
            }

            if (!string.IsNullOrWhiteSpace(AdditionalArguments))
            {
                builder.AppendTextUnquoted(" " + AdditionalArguments!.Trim());
            }

            return builder.ToString();
        }

        protected override void LogEventsFromTextOutput(string singleLine, MessageImportance messageImportance)
        {
            if (messageImportance == StandardErrorImportanceToUse && StandardErrorImportanceToUse != StandardOutputImportanceToUse)
            {
                // stderr: never parsed for diagnostics (an exception's text could look like one).
                _standardErrorLines++;
                if (_firstStandardErrorLine == null && !string.IsNullOrWhiteSpace(singleLine))
                {
                    _firstStandardErrorLine = singleLine.Trim();
                }

                Log.LogMessage(messageImportance, "{0}", singleLine);
                return;
            }

            // The compiler's last line ("homunculus: x.hspec -> dir: summary; report: path") is the one
            // line shown at minimal verbosity; trial lines stay at normal importance.
            if (singleLine.StartsWith("homunculus: ", StringComparison.Ordinal)
                && singleLine.IndexOf(": error ", StringComparison.Ordinal) < 0
                && singleLine.IndexOf(": warning ", StringComparison.Ordinal) < 0)
            {
                Log.LogMessage(MessageImportance.High, "{0}", singleLine);
                return;
            }

            // stdout: canonical "path(line,col): error HMC1001: message" lines become errors and warnings.
            Log.LogMessageFromText(singleLine, messageImportance);
        }

        protected override bool HandleTaskExecutionErrors()
        {
            if (_cancelled)
            {
                // MSBuild reports the cancellation itself.
                return false;
            }

            if (Log.HasLoggedErrors)
            {
                // The compiler said what went wrong; a generic "exited with code 1" would only repeat it.
                return false;
            }

            var detail = _firstStandardErrorLine == null
                ? "it printed nothing"
                : "it printed: " + Truncate(_firstStandardErrorLine, 300);
            LogHmc(DiagnosticCatalog.CompilerFailed, ExitCode, detail);
            return false;
        }

        // A compiler that printed an error but exited with 0 still fails the task.
        public override bool Execute() => base.Execute() && !Log.HasLoggedErrors;

        public override void Cancel()
        {
            _cancelled = true;
            base.Cancel();
        }

        private void LogHmc(DiagnosticDescriptor diagnostic, params object[] args)
        {
            var message = diagnostic.Format(args);
            Log.LogError(
                subcategory: null,
                errorCode: diagnostic.Code,
                helpKeyword: null,
                file: string.IsNullOrEmpty(Spec) ? null : Spec,
                lineNumber: 0,
                columnNumber: 0,
                endLineNumber: 0,
                endColumnNumber: 0,
                message: message);
        }

        private static string TrimTrailingSeparator(string path) =>
            path.Length > 1 ? path.TrimEnd('/', '\\') : path;

        private static string Truncate(string text, int length) =>
            text.Length <= length ? text : text.Substring(0, length) + "...";
    }
}
