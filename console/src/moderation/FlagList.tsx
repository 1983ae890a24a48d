import CheckIcon from '@mui/icons-material/Check';
import CloseIcon from '@mui/icons-material/Close';
import { Box, Button, Typography } from '@mui/material';
import {
  ChipField,
  Datagrid,
  DateField,
  FunctionField,
  List,
  SelectInput,
  TextField,
  useListContext,
  useNotify,
  useRecordContext,
  useRefresh,
  useUnselectAll,
  useUpdate,
  useUpdateMany,
} from 'react-admin';
import { Link } from 'react-router-dom';
import type { ReviewDecision } from '../gql/graphql';

const STATUSES = [
  { id: 'PENDING', name: 'Pending' },
  { id: 'APPROVED', name: 'Approved' },
  { id: 'REJECTED', name: 'Rejected' },
];

const VERB: Record<ReviewDecision, string> = { APPROVED: 'Approve', REJECTED: 'Reject' };

function ReviewButtons() {
  const flag = useRecordContext<{ id: string; status: string }>();
  const [update, { isPending }] = useUpdate();
  const notify = useNotify();
  const refresh = useRefresh();
  if (flag?.status !== 'PENDING') return null;
  const review = (decision: ReviewDecision) =>
    update(
      'moderationFlags',
      { id: flag.id, data: { decision }, previousData: flag },
      {
        mutationMode: 'pessimistic',
        onSuccess: () => {
          notify(`Flag ${decision.toLowerCase()}`, { type: 'success' });
          refresh();
        },
        onError: (err) => notify((err as Error).message, { type: 'error' }),
      },
    );
  return (
    <Box sx={{ display: 'flex', gap: 1 }} onClick={(e) => e.stopPropagation()}>
      {(['APPROVED', 'REJECTED'] as const).map((decision) => (
        <Button
          key={decision}
          size="small"
          variant="outlined"
          color={decision === 'APPROVED' ? 'success' : 'error'}
          startIcon={decision === 'APPROVED' ? <CheckIcon /> : <CloseIcon />}
          disabled={isPending}
          onClick={() => review(decision)}
        >
          {VERB[decision]}
        </Button>
      ))}
    </Box>
  );
}

function BulkReviewButton({ decision }: { decision: ReviewDecision }) {
  const { selectedIds } = useListContext();
  const [updateMany, { isPending }] = useUpdateMany();
  const unselectAll = useUnselectAll('moderationFlags');
  const notify = useNotify();
  const refresh = useRefresh();
  return (
    <Button
      size="small"
      color={decision === 'APPROVED' ? 'success' : 'error'}
      startIcon={decision === 'APPROVED' ? <CheckIcon /> : <CloseIcon />}
      disabled={isPending}
      onClick={() =>
        updateMany(
          'moderationFlags',
          { ids: selectedIds, data: { decision } },
          {
            mutationMode: 'pessimistic',
            onSuccess: () => {
              notify(`${selectedIds.length} flag(s) ${decision.toLowerCase()}`, { type: 'success' });
              unselectAll();
              refresh();
            },
            onError: (err) => notify((err as Error).message, { type: 'error' }),
          },
        )
      }
    >
      {VERB[decision]} selected
    </Button>
  );
}

/** What was flagged and what the user heard instead, with a link to the conversation for context. */
function FlagContext() {
  const flag = useRecordContext<{ text: string; replacement?: string | null; sessionId: string }>();
  if (!flag) return null;
  return (
    <Box>
      <Typography variant="body2" sx={{ whiteSpace: 'pre-wrap' }}>
        {flag.text}
      </Typography>
      {flag.replacement ? (
        <Typography variant="caption" color="text.secondary">
          Spoken instead: {flag.replacement}
        </Typography>
      ) : null}
      <Box>
        <Link
          to={`/sessions/${encodeURIComponent(flag.sessionId)}/show`}
          onClick={(e) => e.stopPropagation()}
        >
          Open the conversation
        </Link>
      </Box>
    </Box>
  );
}

export function FlagList() {
  return (
    <List
      filters={[<SelectInput key="status" source="status" choices={STATUSES} alwaysOn />]}
      filterDefaultValues={{ status: 'PENDING' }}
      title="Moderation queue"
      perPage={25}
      empty={false}
    >
      <Datagrid
        rowClick={false}
        bulkActionButtons={
          <>
            <BulkReviewButton decision="APPROVED" />
            <BulkReviewButton decision="REJECTED" />
          </>
        }
      >
        <DateField source="createdAt" showTime />
        <ChipField source="category" />
        <FunctionField label="Flagged content" render={() => <FlagContext />} />
        <ChipField source="status" />
        <TextField source="reviewer.username" label="Reviewer" emptyText="—" />
        <FunctionField label="Review" render={() => <ReviewButtons />} />
      </Datagrid>
    </List>
  );
}
