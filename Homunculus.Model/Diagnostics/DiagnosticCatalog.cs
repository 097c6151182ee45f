using System.Collections.Generic;
using System.Globalization;
using System.Linq;

namespace Homunculus.Model.Diagnostics
{
    public enum DiagnosticSeverity
    {
        Warning,
        Error,
    }

    /// <summary>One kind of problem the product reports: a stable code, a severity, a message template.</summary>
    public sealed record DiagnosticDescriptor(string Code, DiagnosticSeverity Severity, string Title, string MessageFormat)
    {
        public string Format(params object[] args) => string.Format(CultureInfo.InvariantCulture, MessageFormat, args);
    }

    /// <summary>
    /// Every diagnostic of the compiler, the MSBuild task and the source generator, declared once.
    /// docs/diagnostics.md documents each code; a test keeps the two in step.
    /// </summary>
    public static class DiagnosticCatalog
    {
        // HMC0xxx: the .hspec file itself.
        public static readonly DiagnosticDescriptor JsonSyntax = Error("HMC0001", "Invalid JSON", "the .hspec is not valid JSON: {0}");
        public static readonly DiagnosticDescriptor MissingProperty = Error("HMC0002", "Missing property", "required property '{0}' is missing");
        public static readonly DiagnosticDescriptor WrongType = Error("HMC0003", "Wrong value type", "'{0}' must be {1}");
        public static readonly DiagnosticDescriptor UnknownProperty = Error("HMC0004", "Unknown property", "unknown property '{0}'{1}");
        public static readonly DiagnosticDescriptor InvalidValue = Error("HMC0005", "Invalid value", "'{0}' {1}");
        public static readonly DiagnosticDescriptor UnknownPacketField = Error("HMC0007", "Unknown packet field", "'{0}' is not a packet field{1}");
        public static readonly DiagnosticDescriptor IdentifierCollision = Error("HMC0006", "Identifier collision", "{0} '{1}' and '{2}' both map to the identifier '{3}'; rename one");
        public static readonly DiagnosticDescriptor UnknownActionClass = Error("HMC0030", "Action for an unknown class", "'actions' names the class '{0}', which the model does not have (classes: {1})");
        public static readonly DiagnosticDescriptor UnknownAction = Error("HMC0031", "Unknown action", "'{0}' is not an action{1}");
        public static readonly DiagnosticDescriptor UnknownModel = Error("HMC0040", "Unknown model", "'{0}' names the model '{1}', which the schedule does not have (models: {2})");
        public static readonly DiagnosticDescriptor ScheduleCycle = Error("HMC0041", "Schedule cycle", "the models {0} each run after another of them: a schedule cannot have a cycle");
        public static readonly DiagnosticDescriptor UnknownWhenClass = Error("HMC0042", "Unknown class in 'when'", "'when' names the class '{0}', which model '{1}' does not have (classes: {2})");
        public static readonly DiagnosticDescriptor UnknownModelFeature = Error("HMC0043", "Unknown feature of a model", "model '{0}' reads '{1}', which is not a feature of the .hspec (features: {2})");

        // HMC1xxx: data.
        public static readonly DiagnosticDescriptor DataFileNotFound = Error("HMC1001", "Data file not found", "data file not found: {0}");
        public static readonly DiagnosticDescriptor UnknownColumn = Error("HMC1002", "Unknown column", "column '{0}' is not in the data (columns: {1})");
        public static readonly DiagnosticDescriptor MissingLabel = Error("HMC1003", "Label column missing", "label column '{0}' is not in the data (columns: {1})");
        public static readonly DiagnosticDescriptor NotANumber = Error("HMC1004", "Non-numeric value", "feature '{0}' has value '{1}' at {2} line {3}; expected a number (or declare the feature \"categorical\")");
        public static readonly DiagnosticDescriptor RowWidth = Error("HMC1005", "Wrong number of fields", "row has {0} fields, expected {1}");
        public static readonly DiagnosticDescriptor UnmappedLabel = Error("HMC1006", "Unmapped label", "label '{0}' maps to no class; add it to a class or add a class with \"*\"");
        public static readonly DiagnosticDescriptor EmptyData = Error("HMC1007", "No data", "{0} has no data rows");
        public static readonly DiagnosticDescriptor SingleClass = Error("HMC1008", "One class only", "the training data holds only class '{0}'; a classifier needs at least two");
        public static readonly DiagnosticDescriptor DataReadError = Error("HMC1009", "Data file unreadable", "cannot read {0}: {1}");
        public static readonly DiagnosticDescriptor MissingValue = Error("HMC1010", "Missing value", "feature '{0}' has a missing value ('{1}') at {2} line {3}; set its \"missing\" policy to \"drop-row\" or \"fill\", or fix the data");
        public static readonly DiagnosticDescriptor ArffSyntax = Error("HMC1011", "ARFF syntax", "not a readable ARFF header: {0}");
        public static readonly DiagnosticDescriptor GlobMatchesNothing = Error("HMC1012", "No files match", "'{0}' matches no file in {1}");
        public static readonly DiagnosticDescriptor PcapUnreadable = Error("HMC1014", "Unreadable packet capture", "cannot read the packet capture {0}: {1}");
        public static readonly DiagnosticDescriptor NoPackets = Error("HMC1015", "No packets", "{0}: no packet of the captures {2} (label '{1}')");
        public static readonly DiagnosticDescriptor OutOfDeclaredRange = Warning("HMC1013", "Values outside the declared range", "feature '{0}': {1} training values lie outside the declared range {2}..{3} and are clamped");

        // HMC2xxx: training and targets.
        public static readonly DiagnosticDescriptor UnsupportedAlgorithm = Error("HMC2001", "Algorithm not available", "algorithm '{0}' is not available (available: {1})");
        public static readonly DiagnosticDescriptor UnsupportedTarget = Error("HMC2002", "Unknown target", "target '{0}' is unknown (known: {1})");
        public static readonly DiagnosticDescriptor OverBudget = Error("HMC2003", "Over budget", "the model does not fit {0}: estimated {1} is {2}, the budget is {3}");
        public static readonly DiagnosticDescriptor AlgorithmNotOnTarget = Error("HMC2004", "Algorithm cannot run on target", "algorithm '{0}' cannot run on {1}: {2}");
        public static readonly DiagnosticDescriptor BelowMinimumError = Error("HMC2005", "Objective below the minimum", "the best model reaches {0} {1} on the test data, {2} short of the minimum {3}");
        public static readonly DiagnosticDescriptor BelowMinimumWarning = Warning("HMC2006", "Objective below the minimum", "the best model reaches {0} {1} on the test data, {2} short of the minimum {3}");
        public static readonly DiagnosticDescriptor FeatureSourceNotOnTarget = Error("HMC2008", "Feature source not on target", "feature '{0}' reads the packet field '{1}', but {2}");
        public static readonly DiagnosticDescriptor ActionNotOnTarget = Error("HMC2030", "Action not on target", "the action {0} of class '{1}' cannot run on {2}: {3}");
        public static readonly DiagnosticDescriptor NoFeasibleModel = Error("HMC2007", "No feasible model", "no candidate fits {0}: {1} trials trained, {2} skipped before training; closest: {3}");

        // HMC8xxx: the build integration (task, generator).
        public static readonly DiagnosticDescriptor ModelFileMissing = Warning("HMC8001", "Model file missing", "the model file {0} does not exist yet; build the project to compile {1}");
        public static readonly DiagnosticDescriptor ModelFileInvalid = Error("HMC8002", "Model file invalid", "the model file {0} cannot be read: {1}");
        public static readonly DiagnosticDescriptor ModelStubUnsupported = Error("HMC8010", "No C# stub for model file", "the model file {0} cannot be turned into a C# stub: {1}");
        public static readonly DiagnosticDescriptor CompilerFailed = Error("HMC8003", "Compiler failed", "the Homunculus compiler exited with code {0} without reporting an error ({1}); build with -v:n to see its full output");
        public static readonly DiagnosticDescriptor CompilerNotFound = Error("HMC8004", "Compiler not found", "the Homunculus compiler was not found at '{0}'; check HomunculusCompilerPath or restore the Homunculus.Sdk package again");
        public static readonly DiagnosticDescriptor DotnetNotFound = Error("HMC8005", "dotnet host not found", "cannot find the dotnet host to run the Homunculus compiler: DOTNET_HOST_PATH is not set and 'dotnet' is not on PATH");
        public static readonly DiagnosticDescriptor ModelFileNotBuilt = Error("HMC8006", "Model file missing after the build", "the model file {0} does not exist, so {1} has no C# stub; the build did not compile the .hspec (HomunculusSkipCompile=true?)");

        // HMC9xxx: the compiler itself.
        public static readonly DiagnosticDescriptor InternalError = Error("HMC9001", "Internal compiler error", "internal compiler error: {0} (details in {1})");
        public static readonly DiagnosticDescriptor Usage = Error("HMC9002", "Command line", "{0}");
        public static readonly DiagnosticDescriptor Cancelled = Error("HMC9003", "Cancelled", "compilation was cancelled; nothing was written");

        public static IReadOnlyList<DiagnosticDescriptor> All { get; } = typeof(DiagnosticCatalog)
            .GetFields()
            .Where(f => f.FieldType == typeof(DiagnosticDescriptor))
            .Select(f => (DiagnosticDescriptor)f.GetValue(null)!)
            .OrderBy(d => d.Code, System.StringComparer.Ordinal)
            .ToList();

        private static DiagnosticDescriptor Error(string code, string title, string format) => new DiagnosticDescriptor(code, DiagnosticSeverity.Error, title, format);

        private static DiagnosticDescriptor Warning(string code, string title, string format) => new DiagnosticDescriptor(code, DiagnosticSeverity.Warning, title, format);
    }
}
