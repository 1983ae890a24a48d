import FlagIcon from '@mui/icons-material/Flag';
import PolicyIcon from '@mui/icons-material/Policy';
import { FlagList } from './FlagList';
import { PolicyCreate, PolicyEdit } from './PolicyForm';
import { PolicyList } from './PolicyList';

/** The review queue: pending flags with their context, approve/reject one or many. */
export const moderationFlags = { list: FlagList, icon: FlagIcon };

/** Categories, block/allow terms and the action taken on a match. */
export const moderationPolicies = {
  list: PolicyList,
  create: PolicyCreate,
  edit: PolicyEdit,
  icon: PolicyIcon,
};
