"""What fees attach to the workflow (DESIGN.md §4): the guards of stages 5-7 and of issuance, and the
transition hooks (reassessment when the proposal changes). Imported by FeesConfig.ready."""
